"""Writes tests/data/rules/small/: a hand-made interchange dataset with one case per rule and noise that must not fire.

Every record is spelled out below, with a comment saying what it is there to show. Run once (the output is kept in
the repository): `.venv/bin/python tests/data/rules/build_small.py`. Certificates are signed with a throwaway
Ed25519 key generated here (its public key is listed in the manifest's issuer_keys) through the credentials engine;
one certificate is signed by an unlisted key (unverified, must not fire).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import base45
import cbor2

OUT = Path(__file__).parent / "small"
T = "+07:00"


def t(day: str, hour: str = "10:00") -> str:
    return f"{day}T{hour}:00{T}"


def doc(number: str, kind: str = "national_id") -> dict:
    return {"type": kind, "number": number, "country": "ID"}


regions = [{"ref": "R-ID", "name": "Synthetic Country", "level": "country", "parent": None}]
lic = {"number": "L-1", "valid_from": "2024-01-01", "valid_to": "2027-12-31", "status": "active"}
agencies = [
    {"ref": f"F{i}", "name": f"Facility {i}", "kind": kind, "region": "R-ID"}
    for i, kind in [
        (1, "public_hospital"),
        (2, "public_hospital"),
        (3, "private_clinic"),
        (4, "private_clinic"),
    ]
] + [
    {"ref": "RO1", "name": "Registry office", "kind": "registry_office", "region": "R-ID"},
    {"ref": "CP1", "name": "Child protection", "kind": "child_protection", "region": "R-ID"},
    {"ref": "AA1", "name": "Adoption authority", "kind": "adoption_authority", "region": "R-ID"},
    {"ref": "AG1", "name": "Licensed agency", "kind": "adoption_agency", "region": "R-ID", "licence": lic},
    # revoked on 2026-01-15: a file filed on 2026-02-01 is unlicensed (planted unlicensed_agency)
    {
        "ref": "AG2",
        "name": "Revoked agency",
        "kind": "adoption_agency",
        "region": "R-ID",
        "licence": {**lic, "number": "L-2", "status": "revoked", "status_since": "2026-01-15"},
    },
    # licence ends 2026-03-31 inclusive: a file filed that day is licensed (noise)
    {
        "ref": "AG3",
        "name": "Expiring agency",
        "kind": "adoption_agency",
        "region": "R-ID",
        "licence": {**lic, "number": "L-3", "valid_to": "2026-03-31"},
    },
    # suspended from 2026-05-01: a file filed on 2026-04-30 is licensed (noise)
    {
        "ref": "AG4",
        "name": "Suspended agency",
        "kind": "adoption_agency",
        "region": "R-ID",
        "licence": {**lic, "number": "L-4", "status": "suspended", "status_since": "2026-05-01"},
    },
]
staff = [
    {"ref": f"S{i}", "agency": agency, "role": role, "name": f"Staff {i}"}
    for i, agency, role in [
        (1, "F1", "midwife"),
        (2, "F2", "midwife"),
        (3, "F3", "doctor"),
        (4, "F4", "nurse"),
        (5, "AA1", "registrar"),
        (6, "CP1", "social_worker"),
        (7, "RO1", "registrar"),
    ]
]


def person(ref: str, number: str | None, sex: str = "female") -> dict:
    record = {"ref": ref, "given_name": f"Name {ref}", "sex": sex}
    if number:
        record["id_document"] = doc(number)
    return record


persons = [person(f"M{i}", f"31700000{i:02d}") for i in range(1, 13)] + [
    person("M5b", "3170000005"),  # same identity document as M5: the same woman
    person("M7b", "3170000007"),  # same identity document as M7: the same woman
    person("X1", "3170000101"),
    person("X2", "3170000102"),
    person("X3", "3170000103"),
    person("X4", "3170000104", "male"),
    person("X5", "3170000105"),
    person("G1", "3170000201"),
    person("M14", "3170000014"),
    person("M15", "3170000015"),
    person("X6", "3170000106"),
    person("AP1", "3170000301"),
    person("AP2", "3170000302", "male"),
    person("M13", None),
]

pregnancies = [
    # (ref, mother, facility, enrolled_on, expected_date)
    ("P1", "M1", "F1", "2025-06-01", "2026-01-10"),  # ended by linked birth B1 (noise)
    ("P2", "M2", "F1", "2025-07-01", "2026-02-01"),  # no birth, no event (planted vanished_pregnancy)
    ("P3", "M3", "F1", "2025-07-15", "2026-02-15"),  # ended by B3, a birth without pregnancy (noise)
    ("P4", "M4", "F2", "2025-06-20", "2026-01-20"),  # loss event (noise)
    ("P5", "M6", "F2", "2025-10-01", "2026-06-01"),  # still within the 6-week grace period (noise)
    ("P6", "M7", "F2", "2025-08-01", "2026-03-01"),  # ended by a birth of M7b, same id document (noise)
    (
        "P7",
        "M8",
        "F3",
        "2025-05-01",
        "2026-01-05",
    ),  # M8's birth is 23 weeks early: outside the window (planted)
    ("P8", "M9", "F3", "2025-07-01", "2026-02-01"),  # moved away (noise)
]
pregnancies = [
    {"ref": r, "mother": m, "facility": f, "enrolled_on": e, "expected_date": x, "visits": [e, "2025-11-03"]}
    for r, m, f, e, x in pregnancies
]
pregnancy_events = [
    {"ref": "PE1", "pregnancy": "P4", "type": "loss", "date": "2025-11-01", "recorded_by": "S2"},
    {"ref": "PE2", "pregnancy": "P8", "type": "moved_away", "date": "2025-12-01", "recorded_by": "S3"},
]

VALID_ID = "4TWH79Y4THC"  # passes the MOD 29-2 check
BAD_ID = "4TWH79Y4THD"  # one character off: the check fails


def birth(ref, delivery, facility, time, mother, pregnancy=None, outcome="live", newborn_id=None, **extra):
    record = {
        "ref": ref,
        "delivery": delivery,
        "facility": facility,
        "time": time,
        "attendant": "S" + facility[1],
        "mother": mother,
        "sex": "female",
        "weight_g": 3100,
        "outcome": outcome,
    }
    if pregnancy:
        record["pregnancy"] = pregnancy
    if newborn_id:
        record["newborn_id"] = newborn_id
    record.update(extra)
    return record


births = [
    birth("B1", "D1", "F1", t("2026-01-08"), "M1", "P1", newborn_id=VALID_ID),
    birth(
        "B3", "D3", "F1", t("2026-02-10"), "M3", newborn_id=BAD_ID
    ),  # bad check character (invalid_newborn_id)
    birth("B6", "D6", "F2", t("2026-02-25"), "M7b"),  # ends P6 through the shared identity document
    birth("B8", "D8", "F3", t("2025-09-10"), "M8"),  # too early to end P7
    birth("B10a", "D10", "F2", t("2026-01-12", "08:00"), "M10"),  # twins: one delivery (noise for serial)
    birth("B10b", "D10", "F2", t("2026-01-12", "08:20"), "M10"),
    birth(
        "B20", "D20", "F1", t("2026-01-05"), "M5"
    ),  # M5 and M5b: deliveries 135 days apart (planted serial)
    birth("B21", "D21", "F3", t("2026-05-20"), "M5b"),
    birth("B30", "D30", "F1", t("2025-02-01"), "M11"),  # 348 days apart: plausible (noise)
    birth("B31", "D31", "F1", t("2026-01-15"), "M11"),
    birth("B40", "D40", "F4", "2026-03-01T01:00:00+07:00", "M12"),  # local date 1 March, UTC 28 February
    birth("B50", "D50", "F2", t("2026-04-01"), "M13"),
    birth("B51", "D51", "F2", t("2026-04-09"), None, mother_absent_reason="foundling"),
    birth("B52", "D52", "F3", t("2026-04-30"), None, mother_absent_reason="foundling"),
    birth("B53", "D53", "F3", t("2026-06-29"), None, mother_absent_reason="foundling"),
    birth("B54", "D54", "F3", t("2026-03-01"), "M4"),
    birth("B55", "D55", "F4", t("2026-05-09"), None, mother_absent_reason="foundling"),
    birth("B56", "D56", "F1", t("2026-01-30"), "M9"),
    birth("B57", "D57", "F4", t("2026-02-02"), "M14", outcome="still"),  # a stillbirth has no custody events
    birth("B58", "D58", "F4", t("2026-03-10"), "M15"),
    birth("B59", "D59", "F2", t("2026-04-20"), None, mother_absent_reason="foundling"),
]


def event(ref, child, kind, time, facility, by, **fields):
    return {
        "ref": ref,
        "child": child,
        "type": kind,
        "time": time,
        "facility": facility,
        "recorded_by": by,
        **fields,
    }


def discharge(ref, child, time, facility, to, relationship, checked=True, **fields):
    return event(
        ref,
        child,
        "discharge",
        time,
        facility,
        "S" + facility[1],
        to=to,
        relationship=relationship,
        id_document_checked=checked,
        **fields,
    )


guardianship = {"number": "GD-1", "issued_by": "CP1", "issued_on": "2026-01-01"}
custody_events = [
    discharge("E1", "B1", t("2026-01-10"), "F1", "M1", "mother"),  # noise
    # an "aunt" nobody identified (planted)
    discharge("E2", "B3", t("2026-02-12"), "F1", "X1", "other", checked=False, relationship_detail="aunt"),
    # a grandmother whose identity document was checked: a lead for review, not a strong red flag (noise)
    discharge("E22", "B58", t("2026-03-12"), "F4", "X6", "other", relationship_detail="grandmother"),
    discharge(
        "E3", "B10a", t("2026-01-14"), "F2", "G1", "legal_guardian", guardianship_document=guardianship
    ),
    discharge("E4", "B10b", t("2026-01-14"), "F2", "G1", "legal_guardian"),  # no document (planted)
    discharge("E5", "B20", t("2026-01-07"), "F1", "M5", "mother", checked=False),  # corrected by C1 (noise)
    discharge("E6", "B21", t("2026-05-22"), "F3", "M5b", "mother"),
    discharge("E7", "B30", t("2025-02-03"), "F1", "X2", "mother"),  # X2 is not M11 (planted)
    # corrected to X3, other; the ID box was never ticked (planted)
    discharge("E8", "B31", t("2026-01-17"), "F1", "M11", "mother", checked=False),
    discharge("E9", "B40", t("2026-03-03"), "F4", "X4", "father"),  # noise
    discharge("E19", "B6", t("2026-02-27"), "F2", "M7", "mother"),  # M7 is M7b by document (noise)
    discharge("E20", "B8", t("2025-09-12"), "F3", "M8", "mother"),
    discharge("E21", "B50", t("2026-04-03"), "F2", "M13", "mother"),
    event(
        "C1",
        "B20",
        "correction",
        t("2026-01-08"),
        "F1",
        "S1",
        corrects="E5",
        field="id_document_checked",
        new_value=True,
        reason="checked at the desk, entered late",
    ),
    event(
        "C2",
        "B31",
        "correction",
        t("2026-01-20", "09:00"),
        "F1",
        "S1",
        corrects="E8",
        field="to",
        new_value="X3",
        reason="wrong person selected",
    ),
    event(
        "C3",
        "B31",
        "correction",
        t("2026-01-20", "09:05"),
        "F1",
        "S1",
        corrects="E8",
        field="relationship",
        new_value="other",
        reason="wrong relationship",
    ),
    event(
        "C4",
        "B31",
        "correction",
        t("2026-01-20", "09:06"),
        "F1",
        "S1",
        corrects="E8",
        field="relationship_detail",
        new_value="neighbour",
        reason="detail",
    ),
    event(
        "E10",
        "B50",
        "abandonment_found",
        t("2026-04-02", "08:00"),
        "F2",
        "S2",
        place="ward",
        found_by="nurse",
        condition="well",
    ),
    event(
        "E11",
        "B51",
        "abandonment_found",
        t("2026-04-10", "08:00"),
        "F2",
        "S2",
        place="gate",
        found_by="guard",
        condition="well",
    ),
    event(
        "E23",
        "B59",
        "abandonment_found",
        t("2026-04-20", "08:00"),
        "F2",
        "S2",
        place="gate",
        found_by="guard",
        condition="well",
    ),
    event(
        "E12",
        "B52",
        "abandonment_found",
        t("2026-05-01", "07:00"),
        "F3",
        "S3",
        place="ward",
        found_by="nurse",
        condition="well",
    ),  # never reported (planted missed report)
    event(
        "E13",
        "B53",
        "abandonment_found",
        t("2026-06-30", "06:00"),
        "F3",
        "S3",
        place="ward",
        found_by="nurse",
        condition="well",
    ),  # 6 hours before the data's date: not yet due (noise)
    event(
        "E14",
        "B54",
        "adoption_order",
        t("2026-04-15"),
        None,
        "S5",
        authority="AA1",
        decision_number="AO-1",
        decided_on="2026-04-15",
        adoptive_parents=["AP1", "AP2"],
    ),  # B54 left F3 with no record (planted)
    event(
        "E15",
        "B55",
        "abandonment_found",
        "2026-05-10T08:00:00+00:00",
        "F4",
        "S4",
        place="door",
        found_by="guard",
        condition="well",
    ),
    event(
        "E16",
        "B56",
        "abandonment_found",
        t("2026-02-01", "08:00"),
        "F1",
        "S1",
        place="ward",
        found_by="nurse",
        condition="well",
    ),
    event("E17", "B56", "transfer", t("2026-02-02"), "F1", "S1", to_facility="CP1"),
    event(
        "E18",
        "B56",
        "adoption_order",
        t("2026-05-01"),
        None,
        "S5",
        authority="AA1",
        decision_number="AO-2",
        decided_on="2026-05-01",
        adoptive_parents=["AP1", "AP2"],
        adoption_agency="AG1",
    ),
]
abandonment_reports = [
    {
        "ref": "AR1",
        "child": "B50",
        "event": "E10",
        "facility": "F2",
        "reported_by": "S2",
        "found_at": t("2026-04-02", "08:00"),
        "reported_at": t("2026-04-02", "20:00"),
        "place": "ward",
        "condition": "well",
    },  # 12 hours (noise)
    {
        "ref": "AR2",
        "child": "B51",
        "event": "E11",
        "facility": "F2",
        "reported_by": "S2",
        "found_at": t("2026-04-10", "08:00"),
        "reported_at": t("2026-04-14", "12:00"),
        "place": "gate",
        "condition": "well",
    },  # 100 hours (planted late report)
    # 49 hours: after the due time, within the grace period (overdue, not late)
    {
        "ref": "AR5",
        "child": "B59",
        "event": "E23",
        "facility": "F2",
        "reported_by": "S2",
        "found_at": t("2026-04-20", "08:00"),
        "reported_at": t("2026-04-22", "09:00"),
        "place": "gate",
        "condition": "well",
    },
    {
        "ref": "AR3",
        "child": "B55",
        "event": "E15",
        "facility": "F4",
        "reported_by": "S4",
        "found_at": "2026-05-10T08:00:00+00:00",
        "reported_at": "2026-05-11T13:00:00+07:00",
        "place": "door",
        "condition": "well",
    },  # 22 hours across offsets; 29 by naive clock reading (noise)
    {
        "ref": "AR4",
        "event": "E16",
        "facility": "F1",
        "reported_by": "S1",
        "found_at": t("2026-02-01", "08:00"),
        "reported_at": t("2026-02-01", "10:00"),
        "place": "ward",
        "condition": "well",
    },  # by event only (noise)
]


def afile(ref, child, agency, mother, facility, born, filed, documents=()):
    record = {
        "ref": ref,
        "adoption_agency": agency,
        "adoptive_parents": ["AP1", "AP2"],
        "stated_birth_date": born,
        "filed_on": filed,
        "documents": list(documents),
    }
    if child:
        record["child"] = child
    if mother:
        record["stated_birth_mother"] = mother
    if facility:
        record["stated_birth_facility"] = facility
    return record


adoption_files = [
    afile(
        "AF1", "B54", "AG1", "X5", "F3", "2026-03-01", "2026-04-20"
    ),  # stated mother X5 is not M4 (planted)
    afile(
        "AF2",
        "B56",
        "AG1",
        "M9",
        "F1",
        "2026-01-30",
        "2026-04-25",
        [{"type": "court_order", "number": "AO-2", "issued_by": "AA1", "issued_on": "2026-05-01"}],
    ),  # noise
    afile(
        "AF3", "B40", "AG3", "M12", "F4", "2026-03-01", "2026-03-31"
    ),  # local date and licence edge (noise)
    afile(
        "AF4", "B30", "AG2", "M11", "F1", "2025-02-01", "2026-02-01"
    ),  # agency revoked (planted unlicensed)
    afile("AF5", "B31", "AG4", "M11", "F2", "2026-01-15", "2026-04-30"),  # wrong facility (planted mismatch)
    afile("AF6", None, "AG1", "M1", "F1", "2026-01-08", "2026-03-01"),  # no child ref, fits B1 (noise)
    # names no child; the registry holds no birth of X5 at F2 on that date (planted mismatch)
    afile("AF7", None, "AG1", "X5", "F2", "2026-02-01", "2026-03-01"),
]


def certificate_texts() -> dict[str, str]:
    """Signed certificates via the credentials engine, plus broken ones made by hand."""
    from kinward.engines import credentials as cr
    from kinward.engines.credentials.keys import key_to_json

    good = _signer(cr, cr.generate_signer_key())
    other = _signer(cr, cr.generate_signer_key())
    since = datetime(2024, 1, 1, tzinfo=UTC)
    published = cr.published_key(good, issuer="RO1", valid_from=since)

    def issue(s, child, newborn_id, born):
        claims = cr.BirthClaims(
            newborn_id=newborn_id,
            date_of_birth=born,
            sex="F",
            facility_name="Facility",
            region_code="ID",
            issuing_office="RO1",
            issued_at=datetime(2026, 6, 1, tzinfo=UTC),
            log_index=1,
            tree_size=2,
            root_hash=bytes(32),
        )
        return cr.issue_certificate(claims, s)

    texts = {
        "CT1": issue(good, "B1", VALID_ID, date(2026, 1, 8)),  # valid (noise)
        "CT2": "KW1:NOT~BASE45",  # planted: not Base45
        "CT3": "HC1:" + issue(good, "B10a", "7777777777A", date(2026, 1, 12))[4:],  # planted: wrong prefix
        "CT4": "KW1:" + base45.b45encode(b"not zlib at all").decode(),  # planted: not zlib
        "CT5": issue(
            good, "B1", "7777777777A", date(2026, 1, 8)
        ),  # planted: validly signed, another child's ID
        "CT6": issue(other, "B20", "7777777777A", date(2026, 1, 5)),  # unlisted key: unverified (noise)
        "CT7": "KW1:" + base45.b45encode(zlib.compress(cbor2.dumps([1, 2]))).decode(),  # planted: not COSE
    }
    return texts, [key_to_json(published)]


def _signer(cr, key):
    return cr.Signer(key, cr.key_id(key.public_key()))


def main() -> None:
    texts, issuer_keys = certificate_texts()
    children = {"CT1": "B1", "CT2": "B3", "CT3": "B10a", "CT4": "B21", "CT5": "B1", "CT6": "B20", "CT7": "B8"}
    certificates = [
        {
            "ref": ref,
            "child": children[ref],
            "issued_on": "2026-06-01",
            "issued_by": "RO1",
            "text": texts[ref],
        }
        for ref in texts
    ]
    # four copies of a valid certificate for B31 (certificate_reissue fires; B31 has no newborn_id on record, so
    # the ID the certificate carries is not compared)
    for i in range(4):
        certificates.append(
            {
                "ref": f"CT3{i}",
                "child": "B31",
                "issued_on": f"2026-0{i + 2}-01",
                "issued_by": "RO1",
                "text": texts["CT1"],
            }
        )
    manifest = {
        "format": "kinward-interchange",
        "version": 1,
        "country": "ID",
        "coverage_from": "2025-01-01T00:00:00+07:00",
        "created": "2026-06-30T12:00:00+07:00",
        "source": "hand-made rules test dataset",
        "issuer_keys": issuer_keys,
    }
    tables = {
        "regions": regions,
        "agencies": agencies,
        "staff": staff,
        "persons": persons,
        "pregnancies": pregnancies,
        "pregnancy_events": pregnancy_events,
        "births": births,
        "custody_events": custody_events,
        "abandonment_reports": abandonment_reports,
        "certificates": certificates,
        "adoption_files": adoption_files,
    }
    manifest["counts"] = {k: len(v) for k, v in tables.items()}
    OUT.mkdir(exist_ok=True)
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    for name, rows in tables.items():
        with (OUT / f"{name}.jsonl").open("w") as out:
            for row in rows:
                out.write(
                    json.dumps({k: v for k, v in row.items() if v is not None or k in ("parent", "mother")})
                    + "\n"
                )
    truth = {
        "seed": 0,
        "patterns": [
            {"pattern": p, "subject": {"type": s, "ref": r}, "evidence": [{"type": s, "ref": r}]}
            for p, s, r in [
                ("vanished_pregnancy", "pregnancies", "P2"),
                ("vanished_pregnancy", "pregnancies", "P7"),
                ("non_guardian_discharge", "custody_events", "E2"),
                ("non_guardian_discharge", "custody_events", "E4"),
                ("non_guardian_discharge", "custody_events", "E7"),
                ("non_guardian_discharge", "custody_events", "E8"),
                ("serial_mother", "persons", "M5"),
                ("adoption_mismatch", "adoption_files", "AF1"),
                ("adoption_mismatch", "adoption_files", "AF5"),
                ("adoption_mismatch", "adoption_files", "AF7"),
                ("unlicensed_agency", "agencies", "AG2"),
                ("missed_abandonment_report", "births", "B52"),
                ("missed_abandonment_report", "births", "B54"),
                ("late_abandonment_report", "abandonment_reports", "AR2"),
                ("invalid_certificate", "certificates", "CT2"),
                ("invalid_certificate", "certificates", "CT3"),
                ("invalid_certificate", "certificates", "CT4"),
                ("invalid_certificate", "certificates", "CT5"),
                ("invalid_certificate", "certificates", "CT7"),
            ]
        ],
    }
    (OUT / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")


if __name__ == "__main__":
    main()
