"""Birth claims and their CWT encoding (RFC 8392).

A Kinward birth-certificate QR carries a CWT claims map:

| key      | claim | value                                                                       |
|----------|-------|-----------------------------------------------------------------------------|
| 1        | iss   | issuing registry office (text)                                              |
| 6        | iat   | issued at, NumericDate (integer seconds since the epoch, UTC)               |
| 5        | nbf   | not before, NumericDate, optional                                           |
| 4        | exp   | expires, NumericDate, optional                                              |
| -65537   | birth | the birth facts map below (RFC 8392 section 9.1: keys < -65536 are private) |

Birth facts map, small integer keys (1 byte each in CBOR, as COSE and CWT do for their own labels):

| key | name | value                                                                                          |
|-----|------|------------------------------------------------------------------------------------------------|
| 1   | id   | newborn ID (text)                                                                              |
| 2   | dob  | date of birth, `YYYY-MM-DD` text                                                               |
| 3   | sex  | `F`, `M`, or `U` (undetermined)                                                                |
| 4   | fac  | facility name (text)                                                                           |
| 5   | reg  | region code (text, e.g. ISO 3166-2 `VN-HN`)                                                    |
| 6   | log  | `[log index, checkpoint tree size, root hash (32 bytes)]`: the RFC 9162 leaf of the birth event |
|     |      | and the signed checkpoint that includes it                                                     |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import cbor2

from .errors import BadClaimsError, ClaimsError, ExpiredError, NotYetValidError

CWT_ISS = 1
CWT_EXP = 4
CWT_NBF = 5
CWT_IAT = 6
BIRTH_CLAIM_KEY = -65537
"""Private-use CWT claim key (RFC 8392 section 9.1: integer keys below -65536) holding the birth facts map."""

SEXES: tuple[str, ...] = ("F", "M", "U")
ROOT_HASH_SIZE = 32
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)

_NEWBORN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_REGION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
_MAX_NAME = 120
BIRTH_ID, BIRTH_DOB, BIRTH_SEX, BIRTH_FACILITY, BIRTH_REGION, BIRTH_LOG = 1, 2, 3, 4, 5, 6
_BIRTH_KEYS = frozenset({BIRTH_ID, BIRTH_DOB, BIRTH_SEX, BIRTH_FACILITY, BIRTH_REGION, BIRTH_LOG})
_CWT_KEYS = frozenset({CWT_ISS, CWT_EXP, CWT_NBF, CWT_IAT, BIRTH_CLAIM_KEY})


def _utc_seconds(name: str, value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ClaimsError(f"birth claims: field {name!r} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClaimsError(f"birth claims: field {name!r} must be timezone-aware (UTC), got naive {value}")
    return value.astimezone(UTC).replace(microsecond=0)


def _text(name: str, value: Any, *, limit: int = _MAX_NAME) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ClaimsError(f"birth claims: field {name!r} must be non-blank text, got {value!r}")
    if len(value) > limit or value != value.strip():
        raise ClaimsError(f"birth claims: field {name!r} must be at most {limit} chars without outer spaces")
    return value


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ClaimsError(f"birth claims: field {name!r} must be a non-negative integer, got {value!r}")
    return value


@dataclass(frozen=True)
class BirthClaims:
    """The minimal, signed facts of one registered birth, anchored in the transparency log.

    Times are normalised to UTC whole seconds (CWT NumericDate, RFC 8392 section 2). `log_index` is the RFC 9162
    leaf index of the birth event; `tree_size` and `root_hash` name the signed checkpoint that included it.
    """

    newborn_id: str
    date_of_birth: date
    sex: str
    facility_name: str
    region_code: str
    issuing_office: str
    issued_at: datetime
    log_index: int
    tree_size: int
    root_hash: bytes = field(repr=False)
    not_before: datetime | None = None
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.newborn_id, str) or not _NEWBORN_ID.match(self.newborn_id):
            raise ClaimsError(f"birth claims: newborn_id {self.newborn_id!r} must be 1-64 of [A-Za-z0-9-]")
        if isinstance(self.date_of_birth, datetime) or not isinstance(self.date_of_birth, date):
            raise ClaimsError(f"birth claims: date_of_birth must be a date, got {self.date_of_birth!r}")
        if self.sex not in SEXES:
            raise ClaimsError(f"birth claims: sex {self.sex!r} must be one of {', '.join(SEXES)}")
        _text("facility_name", self.facility_name)
        if not isinstance(self.region_code, str) or not _REGION_CODE.match(self.region_code):
            raise ClaimsError(f"birth claims: region_code {self.region_code!r} must be 1-16 of [A-Z0-9-]")
        _text("issuing_office", self.issuing_office)
        object.__setattr__(self, "issued_at", _utc_seconds("issued_at", self.issued_at))
        for name in ("not_before", "expires_at"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _utc_seconds(name, getattr(self, name)))
        self._check_order()

    def _check_order(self) -> None:
        if self.date_of_birth > self.issued_at.date():
            raise ClaimsError(f"birth claims: date_of_birth {self.date_of_birth} is after issued_at")
        if _count("log_index", self.log_index) >= _count("tree_size", self.tree_size):
            raise ClaimsError(
                f"birth claims: log_index {self.log_index} must be below checkpoint tree_size {self.tree_size}"
            )
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise ClaimsError(f"birth claims: root_hash must be {ROOT_HASH_SIZE} bytes (SHA-256)")
        if self.expires_at is not None and self.expires_at <= self.issued_at:
            raise ClaimsError("birth claims: expires_at must be after issued_at")
        if self.expires_at is not None and self.not_before is not None and self.expires_at <= self.not_before:
            raise ClaimsError("birth claims: expires_at must be after not_before")

    def to_cwt_map(self) -> dict[int, Any]:
        """The CWT claims map (RFC 8392 section 3) with the birth facts under `BIRTH_CLAIM_KEY`."""
        cwt: dict[int, Any] = {CWT_ISS: self.issuing_office, CWT_IAT: int(self.issued_at.timestamp())}
        if self.not_before is not None:
            cwt[CWT_NBF] = int(self.not_before.timestamp())
        if self.expires_at is not None:
            cwt[CWT_EXP] = int(self.expires_at.timestamp())
        cwt[BIRTH_CLAIM_KEY] = {
            BIRTH_ID: self.newborn_id,
            BIRTH_DOB: self.date_of_birth.isoformat(),
            BIRTH_SEX: self.sex,
            BIRTH_FACILITY: self.facility_name,
            BIRTH_REGION: self.region_code,
            BIRTH_LOG: [self.log_index, self.tree_size, self.root_hash],
        }
        return cwt

    def to_cbor(self) -> bytes:
        """The CWT claims map in deterministic CBOR (RFC 8949 section 4.2.1 core deterministic encoding)."""
        return cbor2.dumps(self.to_cwt_map(), canonical=True)

    @classmethod
    def from_cwt_map(cls, cwt: Mapping[Any, Any]) -> BirthClaims:
        """Read birth claims back from a CWT claims map; raises `BadClaimsError` naming the faulty claim."""
        try:
            return _claims_from_cwt(cwt)
        except ClaimsError as exc:
            raise BadClaimsError(str(exc)) from None

    def minimal_facts(self) -> dict[str, str | int]:
        """The facts a verifier shows: who was born when and where, who issued it, and the log anchor."""
        facts: dict[str, str | int] = {
            "newborn_id": self.newborn_id,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "facility_name": self.facility_name,
            "region_code": self.region_code,
            "issuing_office": self.issuing_office,
            "issued_at": format_rfc3339(self.issued_at),
            "log_index": self.log_index,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
        }
        if self.not_before is not None:
            facts["not_before"] = format_rfc3339(self.not_before)
        if self.expires_at is not None:
            facts["expires_at"] = format_rfc3339(self.expires_at)
        return facts

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> BirthClaims:
        """Build claims from the JSON shape of `minimal_facts()` (times RFC 3339, root hash hex)."""
        if not isinstance(data, dict):
            raise ClaimsError("birth claims JSON must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ClaimsError(f"birth claims JSON: unknown fields {unknown}")
        missing = sorted(f.name for f in fields(cls) if f.name not in data and f.default is not None)
        if missing:
            raise ClaimsError(f"birth claims JSON: missing fields {missing}")
        values = dict(data)
        try:
            values["date_of_birth"] = date.fromisoformat(str(data["date_of_birth"]))
            for name in ("issued_at", "not_before", "expires_at"):
                if data.get(name) is not None:
                    values[name] = parse_rfc3339(str(data[name]))
            values["root_hash"] = bytes.fromhex(str(data["root_hash"]))
        except ValueError as exc:
            raise ClaimsError(f"birth claims JSON: {exc}") from None
        return cls(**values)


def format_rfc3339(moment: datetime) -> str:
    """Format a moment as an RFC 3339 UTC timestamp with whole seconds (`2026-05-01T08:00:00Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (`2026-05-01T08:00:00Z`); a naive value is rejected."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (write it as ...Z or ...+00:00)")
    return moment.astimezone(UTC)


def _numeric_date(cwt: Mapping[Any, Any], key: int, name: str) -> datetime | None:
    if key not in cwt:
        return None
    value = cwt[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClaimsError(f"CWT claim {name} ({key}) must be a NumericDate, got {type(value).__name__}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ClaimsError(f"CWT claim {name} ({key}) = {value} is out of range") from None


def _claims_from_cwt(cwt: Mapping[Any, Any]) -> BirthClaims:
    if not isinstance(cwt, Mapping):
        raise ClaimsError("CWT payload must be a claims map")
    unknown = sorted(map(repr, set(cwt) - _CWT_KEYS))
    if unknown:
        raise ClaimsError(f"CWT claims map has unknown keys {unknown}")
    birth = cwt.get(BIRTH_CLAIM_KEY)
    if not isinstance(birth, Mapping) or set(birth) != _BIRTH_KEYS:
        raise ClaimsError(f"CWT claim {BIRTH_CLAIM_KEY} must be a map with keys {sorted(_BIRTH_KEYS)}")
    issued_at = _numeric_date(cwt, CWT_IAT, "iat")
    if issued_at is None or CWT_ISS not in cwt:
        raise ClaimsError("CWT claims map lacks iss (1) or iat (6)")
    log = birth[BIRTH_LOG]
    if not isinstance(log, list | tuple) or len(log) != 3:
        raise ClaimsError("birth claim log (6) must be [log index, tree size, root hash]")
    if not isinstance(birth[BIRTH_DOB], str):
        raise ClaimsError("birth claim dob (2) must be a YYYY-MM-DD text")
    try:
        date_of_birth = date.fromisoformat(birth[BIRTH_DOB])
    except ValueError:
        raise ClaimsError(f"birth claim dob (2) {birth[BIRTH_DOB]!r} is not a YYYY-MM-DD date") from None
    return BirthClaims(
        newborn_id=birth[BIRTH_ID],
        date_of_birth=date_of_birth,
        sex=birth[BIRTH_SEX],
        facility_name=birth[BIRTH_FACILITY],
        region_code=birth[BIRTH_REGION],
        issuing_office=cwt[CWT_ISS],
        issued_at=issued_at,
        log_index=log[0],
        tree_size=log[1],
        root_hash=log[2],
        not_before=_numeric_date(cwt, CWT_NBF, "nbf"),
        expires_at=_numeric_date(cwt, CWT_EXP, "exp"),
    )


def decode_cwt_claims(payload: bytes) -> Mapping[Any, Any]:
    """Decode a COSE payload as a CWT claims map (RFC 8392 section 7.2, step 8); `BadClaimsError` otherwise."""
    try:
        cwt = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise BadClaimsError(f"COSE payload is not CBOR: {exc}") from None
    if not isinstance(cwt, Mapping):
        raise BadClaimsError(f"COSE payload is a CBOR {type(cwt).__name__}, not a CWT claims map")
    try:
        for key, name in ((CWT_IAT, "iat"), (CWT_NBF, "nbf"), (CWT_EXP, "exp")):
            _numeric_date(cwt, key, name)
    except ClaimsError as exc:
        raise BadClaimsError(str(exc)) from None
    return cwt


def check_validity_period(
    cwt: Mapping[Any, Any], now: datetime, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW
) -> None:
    """Check the CWT time claims against the verifier's clock (RFC 8392 sections 3.1.4-3.1.6).

    `iat` or `nbf` later than `now + clock_skew` raises `NotYetValidError`; `exp` at or before
    `now - clock_skew` raises `ExpiredError`. Absent claims are not checked.
    """
    if now.tzinfo is None:
        raise ValueError("check_validity_period: now must be timezone-aware")
    try:
        issued_at = _numeric_date(cwt, CWT_IAT, "iat")
        not_before = _numeric_date(cwt, CWT_NBF, "nbf")
        expires_at = _numeric_date(cwt, CWT_EXP, "exp")
    except ClaimsError as exc:
        raise BadClaimsError(str(exc)) from None
    if issued_at is not None and issued_at > now + clock_skew:
        raise NotYetValidError(
            f"issued at {format_rfc3339(issued_at)}, after the verifier's clock {format_rfc3339(now)}"
        )
    if not_before is not None and not_before > now + clock_skew:
        raise NotYetValidError(
            f"not valid before {format_rfc3339(not_before)}; verifier's clock is {format_rfc3339(now)}"
        )
    if expires_at is not None and expires_at <= now - clock_skew:
        raise ExpiredError(
            f"expired at {format_rfc3339(expires_at)}; verifier's clock is {format_rfc3339(now)}"
        )
