"""Jurisdiction rules for mandatory reporting, as data: who must be told, by when, and the penalty.

The rules live in a YAML file (the package's `jurisdictions.yaml`, or the file named by the environment variable
`KINWARD_REPORTING_JURISDICTIONS`). A file with an unknown field, a bad duration, an unknown recipient kind or
any other mistake is refused whole, with a message naming the jurisdiction and the field; the rules already in
force stay in force (`jurisdictions()` keeps serving the last file that loaded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).with_name("jurisdictions.yaml")
ENV_FILE = "KINWARD_REPORTING_JURISDICTIONS"
RECIPIENT_KINDS = ("agency", "facility_role")
MEETING_ANCHORS = ("found", "reported")
_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class JurisdictionError(ValueError):
    """The jurisdiction file is wrong; the message names the jurisdiction and the field."""


@dataclass(frozen=True)
class Recipient:
    code: str
    label: str
    kind: str  # agency | facility_role
    agency_kind: str
    role: str
    acknowledge_within: dt.timedelta


@dataclass(frozen=True)
class StrategyMeeting:
    within: dt.timedelta
    after: str  # found | reported
    convened_by: str  # a recipient code


@dataclass(frozen=True)
class Penalty:
    text: str
    amount: Decimal
    currency: str
    response_within: dt.timedelta


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    country: str
    region_prefix: str
    legal_basis: str
    report_within: dt.timedelta
    recipients: tuple[Recipient, ...]
    strategy_meeting: StrategyMeeting | None
    gone_without_discharge_after: dt.timedelta
    look_back: dt.timedelta
    penalty: Penalty

    def recipient(self, code: str) -> Recipient:
        return next(r for r in self.recipients if r.code == code)


@dataclass(frozen=True)
class JurisdictionSet:
    version: str  # "<file version>/<first 12 hex of the file's SHA-256>"
    by_code: dict[str, Jurisdiction]

    def for_region(self, *, region_path: str, country: str) -> Jurisdiction:
        """The most specific jurisdiction: longest region prefix, then the country, then `default`."""
        best: Jurisdiction | None = None
        for j in self.by_code.values():
            if j.region_prefix and (
                region_path == j.region_prefix or region_path.startswith(j.region_prefix + "/")
            ):
                if best is None or len(j.region_prefix) > len(best.region_prefix):
                    best = j
        if best is not None:
            return best
        for j in self.by_code.values():
            if j.country and not j.region_prefix and j.country == country:
                return j
        return self.by_code["default"]


def parse_duration(value, where: str) -> dt.timedelta:
    """`24h`, `30m`, `7d` as a timedelta; anything else is refused naming `where`."""
    match = _DURATION.match(str(value).strip()) if isinstance(value, str | int) else None
    if match is None or int(match.group(1)) == 0:
        raise JurisdictionError(
            f"{where}: {value!r} is not a duration; write a whole number and m, h or d (24h)"
        )
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _fields(data, where: str, required: set[str], optional: set[str] = frozenset()) -> dict:
    if not isinstance(data, dict):
        raise JurisdictionError(f"{where}: expected a mapping")
    unknown = set(data) - required - optional
    if unknown:
        raise JurisdictionError(f"{where}.{sorted(unknown)[0]}: unknown field")
    missing = required - set(data)
    if missing:
        raise JurisdictionError(f"{where}.{sorted(missing)[0]}: required field is missing")
    return data


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or not value.strip():
        raise JurisdictionError(f"{where}.{key}: give a non-empty text")
    return value.strip()


def _recipient(data, where: str, agency_kinds: set[str], roles: set[str]) -> Recipient:
    _fields(data, where, {"code", "label", "kind", "acknowledge_within"}, {"agency_kind", "role"})
    kind = data["kind"]
    if kind not in RECIPIENT_KINDS:
        raise JurisdictionError(
            f"{where}.kind: unknown recipient kind {kind!r}; use one of {', '.join(RECIPIENT_KINDS)}"
        )
    agency_kind, role = data.get("agency_kind", ""), data.get("role", "")
    if kind == "agency" and agency_kind not in agency_kinds:
        raise JurisdictionError(f"{where}.agency_kind: unknown agency kind {agency_kind!r}")
    if kind == "facility_role" and role not in roles:
        raise JurisdictionError(f"{where}.role: unknown role {role!r} (roles.yaml)")
    if (kind == "agency" and role) or (kind == "facility_role" and agency_kind):
        raise JurisdictionError(
            f"{where}.{'role' if role else 'agency_kind'}: not used by a {kind} recipient"
        )
    return Recipient(
        code=_text(data, "code", where),
        label=_text(data, "label", where),
        kind=kind,
        agency_kind=agency_kind,
        role=role,
        acknowledge_within=parse_duration(data["acknowledge_within"], f"{where}.acknowledge_within"),
    )


def _penalty(data, where: str) -> Penalty:
    _fields(data, where, {"text", "amount", "currency", "response_within"})
    try:
        amount = Decimal(str(data["amount"]))
    except InvalidOperation:
        raise JurisdictionError(f"{where}.amount: {data['amount']!r} is not an amount") from None
    if amount < 0 or not amount.is_finite():
        raise JurisdictionError(f"{where}.amount: an amount is zero or more")
    currency = str(data["currency"])
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise JurisdictionError(f"{where}.currency: {currency!r} is not an ISO 4217 code (KZT)")
    return Penalty(
        text=_text(data, "text", where),
        amount=amount,
        currency=currency,
        response_within=parse_duration(data["response_within"], f"{where}.response_within"),
    )


def _jurisdiction(code: str, data, agency_kinds: set[str], roles: set[str]) -> Jurisdiction:
    where = f"jurisdictions.{code}"
    _fields(
        data,
        where,
        {"name", "match", "report_within", "recipients", "missed_report", "penalty"},
        {"legal_basis", "strategy_meeting"},
    )
    match = _fields(data["match"], f"{where}.match", set(), {"country", "region_prefix"})
    country, prefix = str(match.get("country", "")), str(match.get("region_prefix", "")).strip("/")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise JurisdictionError(f"{where}.match.country: {country!r} is not an ISO 3166-1 alpha-2 code")
    if code == "default" and (country or prefix):
        raise JurisdictionError(f"{where}.match: the default jurisdiction matches everything; leave it empty")
    if code != "default" and not (country or prefix):
        raise JurisdictionError(f"{where}.match: give a country or a region_prefix")
    recipients = data["recipients"]
    if not isinstance(recipients, list) or not recipients:
        raise JurisdictionError(f"{where}.recipients: give a list of at least one recipient")
    parsed = tuple(
        _recipient(r, f"{where}.recipients[{n}]", agency_kinds, roles) for n, r in enumerate(recipients)
    )
    codes = [r.code for r in parsed]
    if len(set(codes)) != len(codes):
        raise JurisdictionError(f"{where}.recipients: two recipients share a code")
    meeting = None
    if data.get("strategy_meeting") is not None:
        m = _fields(data["strategy_meeting"], f"{where}.strategy_meeting", {"within", "after", "convened_by"})
        if m["after"] not in MEETING_ANCHORS:
            raise JurisdictionError(f"{where}.strategy_meeting.after: use found or reported")
        if m["convened_by"] not in codes:
            raise JurisdictionError(
                f"{where}.strategy_meeting.convened_by: {m['convened_by']!r} is not a recipient"
            )
        meeting = StrategyMeeting(
            parse_duration(m["within"], f"{where}.strategy_meeting.within"), m["after"], m["convened_by"]
        )
    missed = _fields(
        data["missed_report"], f"{where}.missed_report", {"gone_without_discharge_after"}, {"look_back"}
    )
    return Jurisdiction(
        code=code,
        name=_text(data, "name", where),
        country=country,
        region_prefix=prefix,
        legal_basis=str(data.get("legal_basis", "")).strip(),
        report_within=parse_duration(data["report_within"], f"{where}.report_within"),
        recipients=parsed,
        strategy_meeting=meeting,
        gone_without_discharge_after=parse_duration(
            missed["gone_without_discharge_after"], f"{where}.missed_report.gone_without_discharge_after"
        ),
        look_back=parse_duration(missed.get("look_back", "90d"), f"{where}.missed_report.look_back"),
        penalty=_penalty(data["penalty"], f"{where}.penalty"),
    )


def parse_jurisdictions(text: str) -> JurisdictionSet:
    """Parse and validate a jurisdiction file; raise JurisdictionError naming the jurisdiction and field."""
    from kinward.apps.accounts.models import Agency
    from kinward.apps.accounts.roles import catalogue

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise JurisdictionError(f"the file is not valid YAML: {exc}") from None
    _fields(data, "file", {"version", "jurisdictions"})
    table = data["jurisdictions"]
    if not isinstance(table, dict) or "default" not in table:
        raise JurisdictionError("jurisdictions.default: required field is missing")
    agency_kinds, roles = set(Agency.Kind.values), set(catalogue().roles)
    by_code = {str(code): _jurisdiction(str(code), body, agency_kinds, roles) for code, body in table.items()}
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return JurisdictionSet(version=f"{data['version']}/{digest}", by_code=by_code)


_loaded: dict[str, tuple[float, JurisdictionSet]] = {}


def jurisdictions_file() -> Path:
    return Path(os.environ.get(ENV_FILE) or DEFAULT_FILE)


def jurisdictions() -> JurisdictionSet:
    """The rules in force, reloaded when the file changes. A file that fails to load raises, and the rules
    already loaded from that path stay cached, so `jurisdictions_or_last()` keeps serving them."""
    path = jurisdictions_file()
    mtime = path.stat().st_mtime
    cached = _loaded.get(str(path))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    parsed = parse_jurisdictions(path.read_text(encoding="utf-8"))
    _loaded[str(path)] = (mtime, parsed)
    return parsed


def jurisdictions_or_last() -> JurisdictionSet:
    """The rules in force; when an edited file is refused, the last good rules from the same file."""
    try:
        return jurisdictions()
    except JurisdictionError:
        cached = _loaded.get(str(jurisdictions_file()))
        if cached is None:
            raise
        return cached[1]


def jurisdiction_for(agency) -> tuple[Jurisdiction, str]:
    """The jurisdiction governing a facility (an accounts.Agency with its region) and the rules' version."""
    rules = jurisdictions_or_last()
    return rules.for_region(region_path=agency.region.path, country=agency.country), rules.version
