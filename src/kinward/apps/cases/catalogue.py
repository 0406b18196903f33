"""The cases app's vocabulary as data: the referral service catalogue, the consent rules, the screening instruments.

Everything here is read from the YAML files in `data/` and checked when first loaded; a broken file fails loudly
(`CatalogueError` naming the file, the entry and the problem) instead of producing a silent default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

DATA = Path(__file__).parent / "data"
LEVELS = ("low", "medium", "high")


class CatalogueError(ValueError):
    """A data file of the cases app is malformed."""


class UnknownInstrument(LookupError):
    """No screening instrument with this code and version."""


# --- referral services ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceKind:
    code: str
    title: str
    response_hours: int


@dataclass(frozen=True)
class ServiceCatalogue:
    kinds: dict[str, ServiceKind]
    forbidden_words: tuple[str, ...]

    def choices(self) -> list[tuple[str, str]]:
        return [(k.code, k.title) for k in self.kinds.values()]

    def response_hours(self, code: str) -> int:
        override = getattr(settings, "KINWARD_REFERRAL_RESPONSE_HOURS", {}) or {}
        return int(override.get(code, self.kinds[code].response_hours))


def forbidden_word_in(text: str, words: tuple[str, ...]) -> str | None:
    """The first forbidden word found in a service code or title (compared as lower-case word parts)."""
    parts = set(re.split(r"[^a-z]+", text.lower()))
    joined = text.lower()
    for word in words:
        if word in parts or ("_" in word and word in joined):
            return word
    return None


def check_service_kinds(raw: dict, source: str = "services.yaml") -> ServiceCatalogue:
    """Build the service catalogue, refusing any kind that would put a child on an enforcement track."""
    words = tuple(str(w).lower() for w in raw.get("forbidden_words") or ())
    if not words:
        raise CatalogueError(
            f"{source}: forbidden_words is missing: the catalogue must refuse enforcement tracks"
        )
    kinds: dict[str, ServiceKind] = {}
    for code, spec in (raw.get("kinds") or {}).items():
        title = str((spec or {}).get("title", ""))
        word = forbidden_word_in(f"{code} {title}", words)
        if word:
            raise CatalogueError(
                f"{source}: service kind {code!r} names {word!r}: Kinward gives a child no "
                "detention, deportation or other enforcement track"
            )
        hours = (spec or {}).get("response_hours")
        if not isinstance(hours, int) or hours <= 0:
            raise CatalogueError(
                f"{source}: service kind {code!r}: response_hours must be a positive integer"
            )
        if not title:
            raise CatalogueError(f"{source}: service kind {code!r}: title is missing")
        kinds[code] = ServiceKind(code, title, hours)
    if not kinds:
        raise CatalogueError(f"{source}: no service kinds")
    return ServiceCatalogue(kinds, words)


@cache
def service_catalogue() -> ServiceCatalogue:
    return check_service_kinds(yaml.safe_load((DATA / "services.yaml").read_text(encoding="utf-8")))


# --- consent -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentPurpose:
    code: str
    title: str
    required_for_child: bool
    required_for_adult: bool
    basis: str


@dataclass(frozen=True)
class ConsentRules:
    adult_age: int
    purposes: dict[str, ConsentPurpose]
    minimum_sections: tuple[str, ...]
    optional_sections: tuple[str, ...]

    @property
    def all_sections(self) -> tuple[str, ...]:
        return self.minimum_sections + self.optional_sections

    def required(self, purpose: str, *, is_child: bool) -> bool:
        p = self.purposes[purpose]
        return p.required_for_child if is_child else p.required_for_adult


@cache
def consent_rules() -> ConsentRules:
    raw = yaml.safe_load((DATA / "consent.yaml").read_text(encoding="utf-8"))
    purposes = {}
    for code, spec in raw["purposes"].items():
        for key in ("consent_required_for_child", "consent_required_for_adult"):
            if not isinstance(spec.get(key), bool):
                raise CatalogueError(f"consent.yaml: purpose {code!r}: {key} must be true or false")
        purposes[code] = ConsentPurpose(
            code,
            spec["title"],
            spec["consent_required_for_child"],
            spec["consent_required_for_adult"],
            " ".join(spec.get("basis", "").split()),
        )
    return ConsentRules(
        int(raw["adult_age"]), purposes, tuple(raw["minimum_sections"]), tuple(raw["optional_sections"])
    )


# --- screening instruments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentItem:
    id: str
    group: str
    weight: int
    text: str


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str
    description: str
    groups: dict[str, str]
    items: tuple[InstrumentItem, ...]
    medium_at: int
    high_at: int
    high_when_any: tuple[str, ...]
    high_when_groups: tuple[tuple[str, ...], ...]

    def items_by_group(self) -> list[tuple[str, str, list[InstrumentItem]]]:
        return [(g, label, [i for i in self.items if i.group == g]) for g, label in self.groups.items()]


@dataclass(frozen=True)
class ScreeningResult:
    """A level of concern with the items that raised it. Never a determination of trafficking status."""

    level: str
    score: int
    raised_items: tuple[str, ...]
    reasons: tuple[str, ...]


def _instrument_from(raw: dict, source: str) -> Instrument:
    try:
        groups = {str(k): str(v) for k, v in raw["groups"].items()}
        items = tuple(
            InstrumentItem(str(i["id"]), str(i["group"]), int(i["weight"]), str(i["text"]))
            for i in raw["items"]
        )
        scoring = raw["scoring"]
        instrument = Instrument(
            code=str(raw["code"]),
            version=int(raw["version"]),
            title=str(raw["title"]),
            description=" ".join(str(raw.get("description", "")).split()),
            groups=groups,
            items=items,
            medium_at=int(scoring["medium_at"]),
            high_at=int(scoring["high_at"]),
            high_when_any=tuple(scoring.get("high_when_any") or ()),
            high_when_groups=tuple(tuple(g) for g in scoring.get("high_when_groups") or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CatalogueError(f"{source}: malformed instrument ({error!r})") from error
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"{source}: item ids are not unique")
    for item in items:
        if item.group not in groups or item.weight <= 0:
            raise CatalogueError(f"{source}: item {item.id!r}: unknown group or non-positive weight")
    unknown = [i for i in instrument.high_when_any if i not in ids]
    unknown += [g for gs in instrument.high_when_groups for g in gs if g not in groups]
    if unknown or not 0 < instrument.medium_at <= instrument.high_at:
        raise CatalogueError(
            f"{source}: scoring names unknown items or groups {unknown} or has bad thresholds"
        )
    return instrument


@cache
def instruments() -> dict[tuple[str, int], Instrument]:
    found = {}
    for path in sorted((DATA / "instruments").glob("*.yaml")):
        instrument = _instrument_from(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        if path.name != f"{instrument.code}.v{instrument.version}.yaml":
            raise CatalogueError(
                f"{path.name}: file name must be {instrument.code}.v{instrument.version}.yaml"
            )
        found[(instrument.code, instrument.version)] = instrument
    return found


def instrument_get(code: str, version: int | str) -> Instrument:
    """The instrument `code` at `version`, or `UnknownInstrument` naming what exists."""
    try:
        key = (str(code), int(version))
    except (TypeError, ValueError):
        key = (str(code), -1)
    if key not in instruments():
        known = ", ".join(f"{c} v{v}" for c, v in sorted(instruments()))
        raise UnknownInstrument(f"no screening instrument {code!r} version {version!r}; known: {known}")
    return instruments()[key]


def instrument_score(instrument: Instrument, answers: dict[str, bool]) -> ScreeningResult:
    """Sum the weights of the ticked items and map the sum to low / medium / high concern.

    High also when any `high_when_any` item is ticked, or when every group of a `high_when_groups` set has a
    ticked item (the act-and-purpose rule for children, Palermo Protocol art. 3(c)). Unknown item ids are an
    error, never ignored.
    """
    ids = {i.id for i in instrument.items}
    unknown = sorted(set(answers) - ids)
    if unknown:
        raise CatalogueError(
            f"answers name items that {instrument.code} v{instrument.version} does not have: "
            f"{', '.join(unknown)}"
        )
    raised = tuple(i.id for i in instrument.items if answers.get(i.id))
    score = sum(i.weight for i in instrument.items if i.id in raised)
    reasons: list[str] = []
    level = "low"
    if score >= instrument.medium_at:
        level = "medium"
        reasons.append(f"weighted score {score} reaches the medium threshold {instrument.medium_at}")
    if score >= instrument.high_at:
        level = "high"
        reasons.append(f"weighted score {score} reaches the high threshold {instrument.high_at}")
    for item in instrument.high_when_any:
        if item in raised:
            level = "high"
            reasons.append(f"item {item} alone raises high concern")
    ticked_groups = {i.group for i in instrument.items if i.id in raised}
    for groups in instrument.high_when_groups:
        if all(g in ticked_groups for g in groups):
            level = "high"
            reasons.append(f"items in every one of {', '.join(groups)} are ticked")
    return ScreeningResult(level, score, raised, tuple(reasons))
