"""A small, fast writer of synthetic interchange datasets with planted red flags, for this engine's own tests
and benchmark when the synthetic-country engine (`kinward.engines.synth`) is not at hand.

It is deliberately plain: facilities of three kinds with varying base rates (so that ordinary between-facility
spread exists), mothers with one or two deliveries (some twins), antenatal pregnancies (some linked, some ended
only by the same-woman rule, some lost or moved away, some still ongoing), discharges to mothers, fathers and
documented guardians, corrections, abandonments that are reported in time, adoptions through licensed agencies,
and certificates. On top of that it plants each INTERCHANGE.md pattern and records it in truth.json. Everything is
random and synthetic; nothing describes a real person.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import base45
import cbor2
import numpy as np

KINDS = ("public_hospital", "private_clinic", "maternity_home")
OFFSETS = ("+07:00", "+08:00", "+09:00")
START = dt.date(2025, 1, 1)
CREATED = "2026-12-31T12:00:00+07:00"


def _time(day: dt.date, minutes: int, offset: str) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00{offset}"


def _certificate(rng: np.random.Generator, broken: bool) -> str:
    body = cbor2.dumps(cbor2.CBORTag(18, [b"\xa1\x01\x27", {}, rng.bytes(40), rng.bytes(64)]))
    text = "KW1:" + base45.b45encode(zlib.compress(body)).decode()
    if broken:
        return text[:-7] + "~~" + text[-5:] if rng.random() < 0.5 else text[:20]
    return text


@dataclass
class _Writer:
    folder: Path
    rng: np.random.Generator
    files: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    truth: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0

    def put(self, rtype: str, record: dict[str, Any]) -> str:
        if rtype not in self.files:
            self.files[rtype] = (self.folder / f"{rtype}.jsonl").open("w", encoding="utf-8")
        self.files[rtype].write(json.dumps(record, separators=(",", ":")) + "\n")
        self.counts[rtype] = self.counts.get(rtype, 0) + 1
        return record["ref"]

    def ref(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.seq:08d}"

    def plant(self, pattern: str, rtype: str, ref: str, evidence: list[tuple[str, str]]) -> None:
        self.truth.append(
            {
                "pattern": pattern,
                "subject": {"type": rtype, "ref": ref},
                "evidence": [{"type": t, "ref": r} for t, r in evidence],
            }
        )

    def person(self, sex: str = "female", number: str | None = None) -> str:
        ref = self.ref("PER")
        record = {"ref": ref, "given_name": "Synthetic", "sex": sex}
        record["id_document"] = {"type": "national_id", "number": number or ref[4:] + "7", "country": "ID"}
        return self.put("persons", record)

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def _agencies(w: _Writer, n_facilities: int) -> dict[str, Any]:
    rng = w.rng
    w.put("regions", {"ref": "R-ID", "name": "Synthetic Country", "level": "country", "parent": None})
    lic = {"number": "L", "valid_from": "2020-01-01", "valid_to": "2030-12-31", "status": "active"}
    facilities = []
    for i in range(n_facilities):
        kind = KINDS[i % 3]
        ref = f"F-{i:04d}"
        w.put("agencies", {"ref": ref, "name": f"Facility {i}", "kind": kind, "region": "R-ID"})
        staff = w.put("staff", {"ref": f"S-{ref}", "agency": ref, "role": "midwife", "name": "Synthetic"})
        facilities.append(
            {
                "ref": ref,
                "kind": kind,
                "staff": staff,
                "offset": OFFSETS[i % 3],
                "weight": float(rng.lognormal(0, 0.6)),
                "abandon": float(rng.beta(30, 4500)),  # base abandonment rate ~0.7 % with some spread
                "still": float(rng.beta(40, 3600)),
            }
        )
    for ref, kind in [
        ("RO-1", "registry_office"),
        ("CP-1", "child_protection"),
        ("AA-1", "adoption_authority"),
    ]:
        w.put("agencies", {"ref": ref, "name": ref, "kind": kind, "region": "R-ID"})
        w.put("staff", {"ref": f"S-{ref}", "agency": ref, "role": "clerk", "name": "Synthetic"})
    agencies = []
    for i in range(max(3, n_facilities // 8)):
        ref = f"AG-{i:03d}"
        w.put(
            "agencies", {"ref": ref, "name": ref, "kind": "adoption_agency", "region": "R-ID", "licence": lic}
        )
        agencies.append(ref)
    return {"facilities": facilities, "agencies": agencies, "lic": lic}


def write_sample_dataset(out: str | Path, *, births: int = 20_000, seed: int = 1) -> dict[str, Any]:
    """Write a synthetic interchange dataset of about `births` births into `out`; returns the truth written.

    Planted counts scale with the size (about one case of each individual pattern per 1,000 births, one
    anomalous facility and one clinic ring per 20,000 births, at least one of each).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder, np.random.default_rng(seed))
    world = _agencies(w, max(12, births // 700))
    facilities = world["facilities"]
    weights = np.array([f["weight"] for f in facilities])
    n_special = max(2, births // 20_000)
    anomalous = facilities[:n_special]
    for f in anomalous:
        f["abandon"] = 0.04  # about six times the typical rate
    rings = facilities[n_special : 2 * n_special]
    _births(w, world, births, weights / weights.sum(), rings)
    per = max(1, births // 1000)
    _plant_vanished(w, facilities, per)
    _plant_serial(w, facilities, per)
    _plant_unlicensed(w, world, max(1, per // 4))
    for f in anomalous:
        w.plant("facility_anomaly", "agencies", f["ref"], [("agencies", f["ref"])])
    w.close()
    manifest = {
        "format": "kinward-interchange",
        "version": 1,
        "country": "ID",
        "coverage_from": "2025-01-01T00:00:00+07:00",
        "created": CREATED,
        "source": f"kinward.engines.rules.sample seed {seed}",
        "counts": w.counts,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    truth = {"seed": seed, "patterns": w.truth}
    (folder / "truth.json").write_text(json.dumps(truth))
    return truth


def _births(w: _Writer, world: dict[str, Any], n: int, p: np.ndarray, rings: list[dict[str, Any]]) -> None:
    rng = w.rng
    facilities = world["facilities"]
    ring_refs = {f["ref"] for f in rings}
    per = max(1, n // 1000)
    plan = {"ngd": per, "mismatch": per, "missed": per, "late": per, "certificate": per}
    ring_plan = {f["ref"]: {"ngd": 4, "mismatch": 3, "missed": 3} for f in rings}
    i = 0
    while i < n:
        fac = facilities[int(rng.choice(len(facilities), p=p))]
        day = START + dt.timedelta(days=int(rng.integers(20, 700)))
        mother = w.person()
        twins = rng.random() < 0.015
        linked = rng.random() < 0.85
        pregnancy = None
        if rng.random() < 0.9:
            expected = day + dt.timedelta(days=int(rng.integers(-14, 14)))
            pregnancy = w.put(
                "pregnancies",
                {
                    "ref": w.ref("PRG"),
                    "mother": mother,
                    "facility": fac["ref"],
                    "enrolled_on": (expected - dt.timedelta(days=200)).isoformat(),
                    "expected_date": expected.isoformat(),
                    "visits": [(expected - dt.timedelta(days=d)).isoformat() for d in (190, 120, 60)],
                },
            )
        delivery = w.ref("DLV")
        for _ in range(2 if twins else 1):
            i += 1
            minutes = int(rng.integers(0, 1440))
            outcome = "still" if rng.random() < fac["still"] else "live"
            child = w.ref("BIR")
            record = {
                "ref": child,
                "delivery": delivery,
                "facility": fac["ref"],
                "time": _time(day, minutes, fac["offset"]),
                "attendant": fac["staff"],
                "mother": mother,
                "sex": "female" if rng.random() < 0.49 else "male",
                "weight_g": int(rng.normal(3200, 400)),
                "outcome": outcome,
            }
            if pregnancy and linked:
                record["pregnancy"] = pregnancy
            w.put("births", record)
            if outcome == "live":
                special = ring_plan.get(fac["ref"]) if fac["ref"] in ring_refs else None
                _custody(w, world, fac, child, mother, day, plan, special)
        if rng.random() < 0.03:  # a second delivery, plausibly spaced (noise for serial_mother)
            i += _second_delivery(w, fac, mother, day)
    for f in rings:
        w.plant("clinic_ring", "agencies", f["ref"], [("agencies", f["ref"])])


def _second_delivery(w: _Writer, fac: dict, mother: str, day: dt.date) -> int:
    later = day + dt.timedelta(days=int(w.rng.integers(300, 500)))
    if later >= dt.date(2026, 12, 1):
        return 0
    child = w.ref("BIR")
    w.put(
        "births",
        {
            "ref": child,
            "delivery": w.ref("DLV"),
            "facility": fac["ref"],
            "time": _time(later, 600, fac["offset"]),
            "attendant": fac["staff"],
            "mother": mother,
            "sex": "male",
            "weight_g": 3000,
            "outcome": "live",
        },
    )
    _discharge(w, fac, child, later, mother, "mother")
    return 1


def _discharge(
    w: _Writer, fac: dict, child: str, day: dt.date, to: str, relationship: str, **extra: Any
) -> str:
    record = {
        "ref": w.ref("EVT"),
        "child": child,
        "type": "discharge",
        "time": _time(day + dt.timedelta(days=2), 600, fac["offset"]),
        "facility": fac["ref"],
        "recorded_by": fac["staff"],
        "to": to,
        "relationship": relationship,
        "id_document_checked": True,
        **extra,
    }
    return w.put("custody_events", record)


def _take(plan: dict[str, int] | None, key: str) -> bool:
    if plan and plan.get(key, 0) > 0:
        plan[key] -= 1
        return True
    return False


def _custody(w, world, fac, child, mother, day, plan, ring) -> None:
    rng = w.rng
    roll = rng.random()
    if _take(ring, "ngd") or (roll < 0.0015 and _take(plan, "ngd")):
        kind = int(rng.integers(0, 3))
        stranger = w.person()
        relationship = ("other", "mother", "legal_guardian")[kind]
        extra = {"relationship_detail": "friend", "id_document_checked": False} if kind == 0 else {}
        event = _discharge(w, fac, child, day, stranger, relationship, **extra)
        w.plant(
            "non_guardian_discharge", "custody_events", event, [("custody_events", event), ("births", child)]
        )
        if ring is not None or rng.random() < 0.3:
            _adoption(
                w, world, fac, child, mother, day, mismatch=_take(ring, "mismatch") or _take(plan, "mismatch")
            )
        return
    if _take(ring, "missed") or (roll < 0.003 and _take(plan, "missed")):
        found = _abandon(w, fac, child, day)
        w.plant("missed_abandonment_report", "births", child, [("births", child), ("custody_events", found)])
        return
    if roll < fac["abandon"]:
        found = _abandon(w, fac, child, day)
        late = _take(plan, "late")
        # lawful: mostly within 24 h, sometimes within the 48 h grace after it; planted: days late
        hours = (
            float(rng.uniform(80, 400))
            if late
            else float(rng.choice([rng.uniform(0.5, 20), rng.uniform(26, 70)]))
        )
        report = _report(w, fac, child, found, day, hours)
        if late:
            w.plant(
                "late_abandonment_report", "abandonment_reports", report, [("abandonment_reports", report)]
            )
        if rng.random() < 0.4:
            _adoption(w, world, fac, child, mother, day, mismatch=_take(plan, "mismatch"))
        return
    if roll < 0.05:  # a father, a relative with a checked ID, or a documented guardian (noise)
        if roll < 0.03:
            _discharge(w, fac, child, day, w.person("male"), "father")
        elif roll < 0.035:
            _discharge(w, fac, child, day, w.person(), "other", relationship_detail="grandmother")
        else:
            doc = {"number": w.ref("GD"), "issued_by": "CP-1", "issued_on": day.isoformat()}
            _discharge(w, fac, child, day, w.person(), "legal_guardian", guardianship_document=doc)
        return
    _mother_discharge(w, fac, child, mother, day, plan)


def _mother_discharge(w, fac, child, mother, day, plan) -> None:
    rng = w.rng
    checked = rng.random() > 0.01
    event = _discharge(w, fac, child, day, mother, "mother", id_document_checked=checked)
    if not checked:  # corrected: the check was done, entered late (noise)
        w.put(
            "custody_events",
            {
                "ref": w.ref("EVT"),
                "child": child,
                "type": "correction",
                "time": _time(day + dt.timedelta(days=3), 600, fac["offset"]),
                "facility": fac["ref"],
                "recorded_by": fac["staff"],
                "corrects": event,
                "field": "id_document_checked",
                "new_value": True,
                "reason": "entered late",
            },
        )
    if rng.random() < 0.05:
        bad = _take(plan, "certificate")
        ref = w.put(
            "certificates",
            {
                "ref": w.ref("CRT"),
                "child": child,
                "issued_on": (day + dt.timedelta(days=10)).isoformat(),
                "issued_by": "RO-1",
                "text": _certificate(rng, bad),
            },
        )
        if bad:
            w.plant("invalid_certificate", "certificates", ref, [("certificates", ref)])


def _abandon(w, fac, child, day) -> str:
    return w.put(
        "custody_events",
        {
            "ref": w.ref("EVT"),
            "child": child,
            "type": "abandonment_found",
            "time": _time(day + dt.timedelta(days=1), 480, fac["offset"]),
            "facility": fac["ref"],
            "recorded_by": fac["staff"],
            "place": "ward",
            "found_by": "nurse",
            "condition": "well",
        },
    )


def _report(w, fac, child, found, day, hours) -> str:
    found_minutes = 480
    reported = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) + dt.timedelta(
        minutes=found_minutes + int(hours * 60)
    )
    return w.put(
        "abandonment_reports",
        {
            "ref": w.ref("RPT"),
            "child": child,
            "event": found,
            "facility": fac["ref"],
            "reported_by": fac["staff"],
            "found_at": _time(day + dt.timedelta(days=1), found_minutes, fac["offset"]),
            "reported_at": reported.strftime("%Y-%m-%dT%H:%M:%S") + fac["offset"],
            "place": "ward",
            "condition": "well",
        },
    )


def _adoption(w, world, fac, child, mother, day, *, mismatch: bool) -> None:
    rng = w.rng
    parents = [w.person(), w.person("male")]
    filed = day + dt.timedelta(days=int(rng.integers(20, 60)))
    stated = {"mother": mother, "facility": fac["ref"], "date": day.isoformat()}
    if mismatch:
        which = int(rng.integers(0, 3))
        if which == 0:
            stated["mother"] = w.person()
        elif which == 1:
            stated["facility"] = world["facilities"][-1 if fac is not world["facilities"][-1] else 0]["ref"]
        else:
            stated["date"] = (day - dt.timedelta(days=int(rng.integers(3, 40)))).isoformat()
    ref = w.put(
        "adoption_files",
        {
            "ref": w.ref("ADF"),
            "child": child,
            "adoption_agency": world["agencies"][int(rng.integers(0, len(world["agencies"])))],
            "adoptive_parents": parents,
            "stated_birth_mother": stated["mother"],
            "stated_birth_facility": stated["facility"],
            "stated_birth_date": stated["date"],
            "filed_on": filed.isoformat(),
            "documents": [],
        },
    )
    if mismatch:
        w.plant("adoption_mismatch", "adoption_files", ref, [("adoption_files", ref), ("births", child)])


def _plant_vanished(w: _Writer, facilities: list[dict], count: int) -> None:
    rng = w.rng
    for k in range(count * 5):
        fac = facilities[int(rng.integers(0, len(facilities)))]
        kind = k % 5
        if kind == 0:  # vanished: expected long ago, nothing recorded
            expected = START + dt.timedelta(days=int(rng.integers(100, 600)))
        else:  # noise: ongoing, lost, moved away
            expected = START + dt.timedelta(
                days=int(rng.integers(720, 800) if kind == 1 else rng.integers(100, 600))
            )
        ref = w.put(
            "pregnancies",
            {
                "ref": w.ref("PRG"),
                "mother": w.person(),
                "facility": fac["ref"],
                "enrolled_on": (expected - dt.timedelta(days=200)).isoformat(),
                "expected_date": expected.isoformat(),
                "visits": [(expected - dt.timedelta(days=190)).isoformat()],
            },
        )
        if kind == 0:
            w.plant("vanished_pregnancy", "pregnancies", ref, [("pregnancies", ref)])
        elif kind in (2, 3, 4):
            w.put(
                "pregnancy_events",
                {
                    "ref": w.ref("PEV"),
                    "pregnancy": ref,
                    "type": ("loss", "moved_away", "transfer_out")[kind - 2],
                    "date": (expected - dt.timedelta(days=90)).isoformat(),
                    "recorded_by": fac["staff"],
                    **({"facility": facilities[0]["ref"]} if kind == 4 else {}),
                },
            )


def _plant_serial(w: _Writer, facilities: list[dict], count: int) -> None:
    rng = w.rng
    for _ in range(count):
        number = w.ref("DOC")
        first = w.person(number=number)
        second = w.person(number=number)  # same identity document, another record
        day = START + dt.timedelta(days=int(rng.integers(30, 300)))
        births = []
        for k, mother in enumerate((first, second, first)):
            fac = facilities[int(rng.integers(0, len(facilities)))]
            when = day + dt.timedelta(days=k * int(rng.integers(90, 200)))
            child = w.put(
                "births",
                {
                    "ref": w.ref("BIR"),
                    "delivery": w.ref("DLV"),
                    "facility": fac["ref"],
                    "time": _time(when, 300, fac["offset"]),
                    "attendant": fac["staff"],
                    "mother": mother,
                    "sex": "female",
                    "weight_g": 3000,
                    "outcome": "live",
                },
            )
            _discharge(w, fac, child, when, mother, "mother")
            births.append(("births", child))
        w.plant("serial_mother", "persons", first, [("persons", first), ("persons", second), *births])


def _plant_unlicensed(w: _Writer, world: dict[str, Any], count: int) -> None:
    rng = w.rng
    fac = world["facilities"][0]
    for k in range(count * 2):
        ref = f"AG-X{k:03d}"
        revoked = k % 2 == 0
        status_since = START + dt.timedelta(days=int(rng.integers(200, 400)))
        licence = {**world["lic"], "status": "revoked", "status_since": status_since.isoformat()}
        w.put(
            "agencies",
            {"ref": ref, "name": ref, "kind": "adoption_agency", "region": "R-ID", "licence": licence},
        )
        filed = status_since + dt.timedelta(days=int(rng.integers(5, 100)) * (1 if revoked else -1))
        child_day = filed - dt.timedelta(days=40)
        mother = w.person()
        child = w.put(
            "births",
            {
                "ref": w.ref("BIR"),
                "delivery": w.ref("DLV"),
                "facility": fac["ref"],
                "time": _time(child_day, 300, fac["offset"]),
                "attendant": fac["staff"],
                "mother": mother,
                "sex": "male",
                "weight_g": 3000,
                "outcome": "live",
            },
        )
        _discharge(w, fac, child, child_day, mother, "mother")
        file_ref = w.put(
            "adoption_files",
            {
                "ref": w.ref("ADF"),
                "child": child,
                "adoption_agency": ref,
                "adoptive_parents": [w.person(), w.person("male")],
                "stated_birth_mother": mother,
                "stated_birth_facility": fac["ref"],
                "stated_birth_date": child_day.isoformat(),
                "filed_on": filed.isoformat(),
                "documents": [],
            },
        )
        if revoked:  # filed after revocation; the other agency filed the day before it (noise)
            w.plant("unlicensed_agency", "agencies", ref, [("agencies", ref), ("adoption_files", file_ref)])
