"""The constants of the Kinward interchange format, version 1 (docs/interchange/README.md, INTERCHANGE.md).

Everything here is data about the format itself: the record types in load order, which fields point at which
record type, and which fields hold dates and times. The JSON Schemas in `schemas/` are the per-record contract;
this module holds the parts that span records (references) and that a JSON Schema cannot say.
"""

from __future__ import annotations

FORMAT_NAME = "kinward-interchange"
# The (major, minor) version this reader and writer implement. Minor versions only add optional fields.
SUPPORTED_VERSION: tuple[int, int] = (1, 0)

# Record types in load order: a record may point only at records of its own type or of an earlier type.
RECORD_TYPES: tuple[str, ...] = (
    "regions",
    "agencies",
    "staff",
    "persons",
    "pregnancies",
    "pregnancy_events",
    "births",
    "custody_events",
    "abandonment_reports",
    "certificates",
    "adoption_files",
)

# For each record type, the fields that hold refs, as paths, and the record type they must point at.
# Path syntax: "a" (a field), "a.b" (field b of object a), "a[]" (each item of list a), "a[].b".
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "regions": (("parent", "regions"),),
    "agencies": (("region", "regions"),),
    "staff": (("agency", "agencies"),),
    "persons": (("region", "regions"),),
    "pregnancies": (("mother", "persons"), ("facility", "agencies")),
    "pregnancy_events": (("pregnancy", "pregnancies"), ("facility", "agencies"), ("recorded_by", "staff")),
    "births": (
        ("pregnancy", "pregnancies"),
        ("facility", "agencies"),
        ("attendant", "staff"),
        ("mother", "persons"),
    ),
    "custody_events": (
        ("child", "births"),
        ("facility", "agencies"),
        ("recorded_by", "staff"),
        ("to", "persons"),
        ("guardianship_document.issued_by", "agencies"),
        ("to_facility", "agencies"),
        ("authority", "agencies"),
        ("adoptive_parents[]", "persons"),
        ("adoption_agency", "agencies"),
        ("corrects", "custody_events"),
    ),
    "abandonment_reports": (
        ("child", "births"),
        ("event", "custody_events"),
        ("facility", "agencies"),
        ("reported_by", "staff"),
    ),
    "certificates": (("child", "births"), ("issued_by", "agencies")),
    "adoption_files": (
        ("child", "births"),
        ("adoption_agency", "agencies"),
        ("adoptive_parents[]", "persons"),
        ("stated_birth_mother", "persons"),
        ("stated_birth_facility", "agencies"),
        ("documents[].issued_by", "agencies"),
        ("documents[].certificate", "certificates"),
    ),
}

# Fields holding calendar dates (YYYY-MM-DD) and times (RFC 3339 with offset), checked against the calendar
# after the schema has checked their shape (a pattern cannot rule out 2026-02-30).
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "agencies": ("licence.valid_from", "licence.valid_to", "licence.status_since"),
    "persons": ("birth_date",),
    "pregnancies": ("enrolled_on", "expected_date", "visits[]"),
    "pregnancy_events": ("date",),
    "custody_events": ("decided_on", "guardianship_document.issued_on"),
    "certificates": ("issued_on",),
    "adoption_files": ("stated_birth_date", "filed_on", "documents[].issued_on"),
}
TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "births": ("time",),
    "custody_events": ("time",),
    "abandonment_reports": ("found_at", "reported_at"),
}

# Custody event types and the fields each one carries beyond ref, child, type, time, facility, recorded_by.
CUSTODY_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "discharge": (
        "to",
        "relationship",
        "relationship_detail",
        "id_document_checked",
        "guardianship_document",
    ),
    "transfer": ("to_facility",),
    "abandonment_found": ("place", "found_by", "condition"),
    "adoption_order": ("authority", "decision_number", "decided_on", "adoptive_parents", "adoption_agency"),
    "death": ("cause",),
    "correction": ("corrects", "field", "new_value", "reason"),
}
CUSTODY_COMMON_FIELDS: tuple[str, ...] = ("time", "facility", "recorded_by")
# A correction's new_value that is itself a ref (or list of refs), and the type it must point at.
CORRECTION_REFERENCES: dict[str, str] = {
    "facility": "agencies",
    "recorded_by": "staff",
    "to": "persons",
    "to_facility": "agencies",
    "authority": "agencies",
    "adoptive_parents": "persons",
    "adoption_agency": "agencies",
}
CORRECTION_DATES: dict[str, str] = {"time": "time", "decided_on": "date"}

FACILITY_KINDS: tuple[str, ...] = ("public_hospital", "private_clinic", "maternity_home")


def file_name(record_type: str) -> str:
    """The file that holds records of `record_type` in a dataset folder: `<type>.jsonl` (INTERCHANGE.md)."""
    return f"{record_type}.jsonl"


def parse_version(value: object) -> tuple[int, int]:
    """Read a manifest `version` (1, 1.0, "1", "1.1") as (major, minor); a bare major means minor 0.

    Raises ValueError naming the value when it is not a version. Strings are preferred for minor versions
    because the JSON numbers 1.1 and 1.10 are the same number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f'manifest version {value!r} is not a version number such as 1 or "1.1"')
    text = repr(value) if isinstance(value, float) else str(value)
    major, _, minor = text.partition(".")
    if not major.isdigit() or (minor and not minor.isdigit()):
        raise ValueError(f'manifest version {value!r} is not a version number such as 1 or "1.1"')
    return int(major), int(minor or 0)


def format_version(version: tuple[int, int]) -> str:
    """Print a (major, minor) version as in manifests and messages: "1.0", "1.1"."""
    return f"{version[0]}.{version[1]}"
