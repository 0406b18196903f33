"""The synthetic country's fixed parts: regions, agencies (with licences) and their staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kinward.engines.synth import names
from kinward.engines.synth.rand import Draws

_STAFF_PLAN: dict[str, list[tuple[str, int]]] = {
    "registry_office": [("registrar", 2), ("clerk", 1)],
    "adoption_authority": [("other", 2), ("clerk", 2)],
    "police_unit": [("other", 2)],
    "child_protection": [("social_worker", 3)],
    "adoption_agency": [("social_worker", 2), ("clerk", 1)],
    "ngo": [("social_worker", 2)],
    "dna_lab": [("other", 2)],
    "statistics_office": [("other", 1)],
}
FACILITY_WEIGHT = {"public_hospital": 3.0, "private_clinic": 1.0, "maternity_home": 1.5}


@dataclass
class Agency:
    """One agency of the synthetic country, with what the simulation needs to know of it."""

    ref: str
    kind: str
    name: str
    region: str
    province: int
    offset: int  # minutes east of UTC, of the province's time zone
    licence: dict[str, Any] | None = None
    staff: dict[str, list[str]] = field(default_factory=dict)
    weight: float = 0.0
    role: str = ""  # what the simulation uses it for: "referral", "ring", "anomaly", "rogue", ...

    def record(self) -> dict[str, Any]:
        """The agency as an interchange `agencies` record."""
        out: dict[str, Any] = {"ref": self.ref, "name": self.name, "kind": self.kind, "region": self.region}
        if self.licence is not None:
            out["licence"] = self.licence
        return out


@dataclass
class World:
    """Regions, agencies and staff, and the lookups the simulation uses."""

    country: str
    regions: list[dict[str, Any]]
    agencies: list[Agency]
    staff: list[dict[str, Any]]
    province_offsets: list[int]
    facilities: list[Agency]
    by_kind: dict[str, list[Agency]]
    registry_of_district: dict[str, Agency]
    facility_district: dict[str, str]

    def of_province(self, kind: str, province: int) -> Agency:
        """The agency of `kind` serving `province` (the first one there, else the national one)."""
        for agency in self.by_kind[kind]:
            if agency.province == province:
                return agency
        return self.by_kind[kind][0]


def _date(value: dt.date) -> str:
    return value.isoformat()


def build_world(country: str, births: int, draws: Draws, now: dt.date) -> World:
    """Lay out the country: provinces and districts, facilities scaled to `births`, the other agencies, staff."""
    provinces = names.PROVINCES[country][: min(len(names.PROVINCES[country]), 3 + births // 25_000)]
    regions: list[dict[str, Any]] = [
        {"ref": "R-000", "name": names.COUNTRY_NAMES[country], "level": "country", "parent": None}
    ]
    districts: list[tuple[str, int]] = []  # (district ref, province index)
    per_province = min(8, 2 + births // (len(provinces) * 60_000))
    roots = names.DISTRICT_ROOTS[country]
    for p, (province_name, _offset) in enumerate(provinces):
        province_ref = f"R-{len(regions):03d}"
        regions.append({"ref": province_ref, "name": province_name, "level": "province", "parent": "R-000"})
        for k in range(per_province):
            root = roots[(p * per_province + k) % len(roots)]
            form = names.DISTRICT_FORMS[country][k % len(names.DISTRICT_FORMS[country])]
            suffix = (
                f" {1 + (p * per_province + k) // len(roots)}" if p * per_province + k >= len(roots) else ""
            )
            ref = f"R-{len(regions):03d}"
            regions.append(
                {"ref": ref, "name": form.format(root) + suffix, "level": "district", "parent": province_ref}
            )
            districts.append((ref, p))
    builder = _AgencyBuilder(country, draws, [o for _, o in provinces], regions)
    facilities, facility_district = builder.facilities(births, districts)
    registry = {}
    for ref, p in districts:
        registry[ref] = builder.add("registry_office", ref, p, names.AGENCY_FORMS["registry_office"][country])
    for p in range(len(provinces)):
        province_ref = regions[1 + p * (per_province + 1)]["ref"]
        for kind in ("adoption_authority", "police_unit", "child_protection"):
            builder.add(kind, province_ref, p, names.AGENCY_FORMS[kind][country])
    builder.adoption_agencies(births, now)
    for kind in ("ngo", "dna_lab", "statistics_office"):
        builder.add(kind, "R-000", 0, names.AGENCY_FORMS[kind][country], label=names.COUNTRY_NAMES[country])
    by_kind: dict[str, list[Agency]] = {}
    for agency in builder.agencies:
        by_kind.setdefault(agency.kind, []).append(agency)
    staff = builder.staff_all(births)
    return World(
        country,
        regions,
        builder.agencies,
        staff,
        [o for _, o in provinces],
        facilities,
        by_kind,
        registry,
        facility_district,
    )


class _AgencyBuilder:
    def __init__(self, country: str, draws: Draws, offsets: list[int], regions: list[dict[str, Any]]) -> None:
        self.country, self.draws, self.offsets = country, draws, offsets
        self.region_name = {r["ref"]: r["name"] for r in regions}
        self.agencies: list[Agency] = []
        self.maker = names.NameMaker(country, draws)

    def add(self, kind: str, region: str, province: int, form: str, label: str | None = None) -> Agency:
        """Register an agency of `kind` in `region`, named by the country's `form`."""
        agency = Agency(
            f"A-{len(self.agencies) + 1:04d}",
            kind,
            form.format(label or self.region_name[region]),
            region,
            province,
            self.offsets[province],
        )
        self.agencies.append(agency)
        return agency

    def facilities(
        self, births: int, districts: list[tuple[str, int]]
    ) -> tuple[list[Agency], dict[str, str]]:
        """Facilities scaled to the births, rotating kinds over districts; mark referral, ring, anomaly."""
        count = max(8, round(births / 2500))
        kinds = [
            "public_hospital",
            "private_clinic",
            "maternity_home",
            "public_hospital",
            "private_clinic",
            "maternity_home",
            "public_hospital",
            "public_hospital",
        ]
        facilities, where = [], {}
        for i in range(count):
            kind = kinds[i % len(kinds)]
            district, province = districts[i % len(districts)]
            label = self.region_name[district]
            if kind == "private_clinic":
                label = names.CLINIC_NAMES[self.country][
                    i // len(kinds) % len(names.CLINIC_NAMES[self.country])
                ]
                label = f"{label} {self.region_name[district]}"
            agency = self.add(kind, district, province, names.FACILITY_FORMS[kind][self.country], label=label)
            agency.weight = FACILITY_WEIGHT[kind] * self.draws.lognormal(1.0, 0.3)
            if kind != "public_hospital":
                agency.licence = {
                    "number": f"IZ-{agency.ref[2:]}/{2019 + i % 5}",
                    "valid_from": f"{2019 + i % 5}-01-01",
                    "valid_to": "2029-12-31",
                    "status": "active",
                }
            facilities.append(agency)
            where[agency.ref] = district
        first_hospital: set[int] = set()
        for agency in facilities:  # the first public hospital of each province takes referrals
            if agency.kind == "public_hospital" and agency.province not in first_hospital:
                first_hospital.add(agency.province)
                agency.role, agency.weight = "referral", agency.weight * 2
        clinics = [a for a in facilities if a.kind == "private_clinic"]
        clinics[len(clinics) // 2].role = "ring"
        plain = [a for a in facilities if a.kind != "private_clinic" and not a.role]
        plain[-1].role = "anomaly"
        return facilities, where

    def adoption_agencies(self, births: int, now: dt.date) -> None:
        """Lawful agencies (one with an expired, one with a suspended licence), a revoked one and a rogue one."""
        form = names.AGENCY_FORMS["adoption_agency"][self.country]
        labels = names.CLINIC_NAMES[self.country][::-1]
        plan = ["lawful", "expired", "suspended", "revoked", "rogue"] + ["lawful"] * (births // 250_000)
        for i, role in enumerate(plan):
            agency = self.add(
                "adoption_agency", "R-000", i % len(self.offsets), form, label=labels[i % len(labels)]
            )
            agency.role = role
            if role == "rogue":
                continue
            licence = {
                "number": f"LA-{2020 + i % 3}-{100 + i}",
                "valid_from": f"{2020 + i % 3}-03-01",
                "valid_to": "2030-02-28",
                "status": "active",
            }
            if role == "expired":
                licence["valid_to"] = _date(now - dt.timedelta(days=150))
            elif role == "suspended":
                licence.update(status="suspended", status_since=_date(now - dt.timedelta(days=200)))
            elif role == "revoked":
                licence.update(status="revoked", status_since=_date(now - dt.timedelta(days=420)))
            agency.licence = licence

    def staff_all(self, births: int) -> list[dict[str, Any]]:
        """Staff for every agency: facilities scaled to their expected births, others by plan."""
        total_weight = sum(a.weight for a in self.agencies) or 1.0
        records: list[dict[str, Any]] = []
        for agency in self.agencies:
            if agency.kind in FACILITY_WEIGHT:
                expected = births * agency.weight / total_weight
                plan = [
                    ("doctor", 2 + int(expected / 1500)),
                    ("midwife", 3 + int(expected / 500)),
                    ("nurse", 3 + int(expected / 700)),
                    ("clerk", 2),
                ]
            else:
                plan = _STAFF_PLAN[agency.kind]
            for role, count in plan:
                for _ in range(count):
                    ref = f"S-{len(records) + 1:05d}"
                    sex = "male" if role in ("doctor", "other") and self.draws.chance(0.5) else "female"
                    records.append(
                        {"ref": ref, "agency": agency.ref, "role": role, "name": self.maker.text_name(sex)}
                    )
                    agency.staff.setdefault(role, []).append(ref)
        return records
