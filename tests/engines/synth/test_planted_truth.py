"""Each planted pattern shows in the data as INTERCHANGE.md describes it, and the ordinary noise does not.

These checks are simple reference detectors written with the format's own rules (kinward.engines.interchange
semantics). Where a pattern is defined by a hard fact (a missing report, an invalid licence, a vanished
pregnancy) the detector must find exactly the planted records; where it is a judgement (non-guardian
discharges) the planted ones must be among those flagged while lawful look-alikes exist beside them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest

from kinward.engines.credentials import Keyring, verify
from kinward.engines.credentials.keys import key_from_json
from kinward.engines.interchange import (
    apply_corrections,
    birth_ends_pregnancy,
    identity_key,
    licence_valid_on,
    local_date,
    parse_time,
    read_dataset,
    read_manifest,
    same_person,
)

GRACE = dt.timedelta(hours=72)


class Data:
    def __init__(self, path) -> None:
        self.by: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for item in read_dataset(path):
            self.by[item.type][item.record["ref"]] = item.record
        self.manifest = read_manifest(path)
        self.now = parse_time(self.manifest["created"])
        corrections = defaultdict(list)
        for event in self.by["custody_events"].values():
            if event["type"] == "correction":
                corrections[event["corrects"]].append(event)
        self.events = {
            ref: apply_corrections(e, corrections[ref])
            for ref, e in self.by["custody_events"].items()
            if e["type"] != "correction"
        }


@pytest.fixture(scope="module", params=[7, 11])
def case(request, synth_dir) -> tuple[Data, dict[str, set[str]], list[dict]]:
    result = synth_dir(2000, request.param)
    planted: dict[str, set[str]] = defaultdict(set)
    for p in result.truth["patterns"]:
        planted[p["pattern"]].add(p["subject"]["ref"])
    return Data(result.path), planted, result.truth["patterns"]


def test_vanished_pregnancies_are_exactly_the_planted_ones(case) -> None:
    data, planted, _ = case
    ended = {b["pregnancy"] for b in data.by["births"].values() if "pregnancy" in b}
    ended |= {e["pregnancy"] for e in data.by["pregnancy_events"].values()}
    unlinked = [b for b in data.by["births"].values() if "pregnancy" not in b]
    by_key: dict[Any, list[dict]] = defaultdict(list)
    for birth in unlinked:
        if birth["mother"] is not None:
            person = data.by["persons"][birth["mother"]]
            by_key[identity_key(person) or birth["mother"]].append(birth)
    vanished = set()
    for ref, pregnancy in data.by["pregnancies"].items():
        if (
            ref in ended
            or dt.date.fromisoformat(pregnancy["expected_date"]) + dt.timedelta(weeks=6) >= data.now.date()
        ):
            continue
        mother = data.by["persons"][pregnancy["mother"]]
        candidates = by_key.get(identity_key(mother) or pregnancy["mother"], [])
        if not any(birth_ends_pregnancy(b, pregnancy, data.by["persons"]) for b in candidates):
            vanished.add(ref)
    assert vanished == planted["vanished_pregnancy"]
    assert any(
        b["mother"] != p["mother"] and birth_ends_pregnancy(b, p, data.by["persons"])
        for b in unlinked
        for p in data.by["pregnancies"].values()
        if b["mother"]
        and identity_key(data.by["persons"][b["mother"]]) is not None
        and identity_key(data.by["persons"][b["mother"]]) == identity_key(data.by["persons"][p["mother"]])
    )


def test_missed_abandonment_reports_are_exactly_the_planted_ones(case) -> None:
    data, planted, _ = case
    reported_events = {r.get("event") for r in data.by["abandonment_reports"].values()}
    reported_children = {r.get("child") for r in data.by["abandonment_reports"].values()}
    missed, within_grace = set(), set()
    for ref, event in data.events.items():
        if (
            event["type"] != "abandonment_found"
            or ref in reported_events
            or event["child"] in reported_children
        ):
            continue
        (missed if parse_time(event["time"]) + GRACE < data.now else within_grace).add(event["child"])
    assert missed == planted["missed_abandonment_report"]
    assert within_grace  # found less than 72 h before "now": not yet missed


def test_late_abandonment_reports_are_exactly_the_planted_ones(case) -> None:
    data, planted, _ = case
    late = {
        ref
        for ref, r in data.by["abandonment_reports"].items()
        if parse_time(r["reported_at"]) - parse_time(r["found_at"]) > GRACE
    }
    assert late == planted["late_abandonment_report"]


def test_unlicensed_agencies_are_exactly_those_filing_without_a_valid_licence(case) -> None:
    data, planted, _ = case
    flagged = {
        f["adoption_agency"]
        for f in data.by["adoption_files"].values()
        if not licence_valid_on(data.by["agencies"][f["adoption_agency"]].get("licence"), f["filed_on"])
    }
    assert flagged == planted["unlicensed_agency"]
    roles = {data.by["agencies"][a].get("licence", {}).get("status") for a in flagged}
    assert roles == {None, "revoked"}  # one agency never licensed, one revoked
    suspended = [a for a in data.by["agencies"].values() if a.get("licence", {}).get("status") == "suspended"]
    assert suspended and suspended[0]["ref"] not in flagged


def test_invalid_certificates_are_exactly_the_planted_forgeries(case) -> None:
    data, planted, _ = case
    keyring = Keyring([key_from_json(entry) for entry in data.manifest["issuer_keys"]])
    failed, reasons = set(), set()
    for ref, certificate in data.by["certificates"].items():
        result = verify(certificate["text"], keyring, now=data.now)
        if not result.valid:
            failed.add(ref)
            reasons.add(result.reason)
        else:  # a genuine certificate names its child's newborn ID and its office
            child = data.by["births"][certificate["child"]]
            assert result.claims.newborn_id == child["newborn_id"]
            assert result.claims.issuing_office == data.by["agencies"][certificate["issued_by"]]["name"]
    assert failed == planted["invalid_certificate"]
    assert reasons == {"bad_signature"}  # forged under a listed kid: invalid, never merely unverified


def test_serial_mothers_are_the_identities_with_deliveries_too_close_together(case) -> None:
    data, planted, _ = case
    deliveries: dict[Any, dict[str, dt.date]] = defaultdict(dict)
    for birth in data.by["births"].values():
        if birth["mother"] is not None:
            key = identity_key(data.by["persons"][birth["mother"]]) or birth["mother"]
            deliveries[key][birth["delivery"]] = local_date(birth["time"])
    flagged = set()
    for key, days in deliveries.items():
        ordered = sorted(days.values())
        if any((b - a).days < 180 for a, b in zip(ordered, ordered[1:], strict=False)):
            flagged.add(key)
    subjects = {identity_key(data.by["persons"][ref]) or ref for ref in planted["serial_mother"]}
    assert flagged == subjects
    twins = [
        d
        for d in {b["delivery"] for b in data.by["births"].values()}
        if sum(b["delivery"] == d for b in data.by["births"].values()) > 1
    ]
    assert twins  # several children of one delivery are not a serial mother
    repeat = [k for k, days in deliveries.items() if len(days) > 1 and k not in flagged]
    assert repeat  # lawful second deliveries, ten months or more apart


def test_adoption_mismatches_are_exactly_the_planted_files(case) -> None:
    data, planted, _ = case
    orders = defaultdict(set)
    for event in data.events.values():
        if event["type"] == "adoption_order":
            orders[event["child"]].add(event["decision_number"])
    persons, mismatched = data.by["persons"], set()
    for ref, f in data.by["adoption_files"].items():
        birth = data.by["births"][f["child"]]
        stated = f.get("stated_birth_mother")
        wrong = [
            stated is not None
            and (birth["mother"] is None or not same_person(persons[stated], persons[birth["mother"]])),
            f.get("stated_birth_facility", birth["facility"]) != birth["facility"],
            f["stated_birth_date"] != local_date(birth["time"]).isoformat(),
            any(d["type"] == "court_order" and d["number"] not in orders[f["child"]] for d in f["documents"]),
            any(
                d.get("certificate") and data.by["certificates"][d["certificate"]]["child"] != f["child"]
                for d in f["documents"]
            ),
        ]
        if any(wrong):
            mismatched.add(ref)
    assert mismatched == planted["adoption_mismatch"]
    lawful_variants = [
        f
        for ref, f in data.by["adoption_files"].items()
        if ref not in mismatched
        and f.get("stated_birth_mother") not in (None, data.by["births"][f["child"]]["mother"])
    ]
    assert lawful_variants or len(data.by["adoption_files"]) < 20


def _non_guardian(event: dict[str, Any]) -> bool:
    return (event["relationship"] == "other" and not event["id_document_checked"]) or (
        event["relationship"] == "legal_guardian" and "guardianship_document" not in event
    )


def test_planted_non_guardian_discharges_are_flagged_among_lawful_look_alikes(case) -> None:
    data, planted, _ = case
    discharges = {ref: e for ref, e in data.events.items() if e["type"] == "discharge"}
    flagged = {ref for ref, e in discharges.items() if _non_guardian(e)}
    assert planted["non_guardian_discharge"] <= flagged
    relationships = {
        e["relationship"] for ref, e in discharges.items() if ref not in planted["non_guardian_discharge"]
    }
    assert relationships == {"mother", "father", "legal_guardian", "other"}
    corrections = {e["field"] for e in data.by["custody_events"].values() if e["type"] == "correction"}
    assert corrections  # some discharges are corrected later: rules must read the current state


def test_the_ring_clinic_and_the_anomalous_facility_stand_out(case) -> None:
    data, planted, patterns = case
    discharges = [e for e in data.events.values() if e["type"] == "discharge" and _non_guardian(e)]
    flagged, births_at = defaultdict(int), defaultdict(int)
    for event in discharges:
        flagged[event["facility"]] += 1
    for birth in data.by["births"].values():
        births_at[birth["facility"]] += 1
    assert max(flagged, key=lambda f: flagged[f] / births_at[f]) in planted["clinic_ring"]
    ring = next(p for p in patterns if p["pattern"] == "clinic_ring")
    births = [e["ref"] for e in ring["evidence"] if e["type"] == "births"]
    assert births and all(data.by["births"][b]["facility"] == ring["subject"]["ref"] for b in births)
    stats = defaultdict(lambda: [0, 0])
    for birth in data.by["births"].values():
        stats[birth["facility"]][0] += birth["outcome"] == "still"
        stats[birth["facility"]][1] += 1
    worst = max(stats, key=lambda f: stats[f][0] / stats[f][1])
    assert {worst} == planted["facility_anomaly"]
