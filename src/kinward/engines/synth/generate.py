"""Generate a whole synthetic dataset in the interchange format, with its planted truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinward.engines.interchange.writer import DatasetWriter
from kinward.engines.synth.certs import CertificateIssuer, dataset_salt
from kinward.engines.synth.flows import Flows
from kinward.engines.synth.names import PROVINCES, NameMaker
from kinward.engines.synth.people import People
from kinward.engines.synth.rand import Draws
from kinward.engines.synth.simulate import CertificateText, FamilyLink, Simulation
from kinward.engines.synth.timeline import DAY, PlantCounts, assign_roles, build_skeleton
from kinward.engines.synth.world import build_world

COVERAGE_DAYS = 730
DEFAULT_NOW = dt.date(2026, 1, 1)
PATTERNS = (
    "vanished_pregnancy",
    "non_guardian_discharge",
    "serial_mother",
    "facility_anomaly",
    "clinic_ring",
    "adoption_mismatch",
    "unlicensed_agency",
    "missed_abandonment_report",
    "late_abandonment_report",
    "invalid_certificate",
)


class SynthOptionsError(ValueError):
    """Options that cannot make a dataset (too few births, unknown country)."""


@dataclass(frozen=True)
class SynthOptions:
    """What to generate. Same options (seed included) give byte-identical files.

    `now` is the local midnight (capital's offset) that becomes manifest `created`; coverage starts 730 days
    earlier. Certificates are signed with one synthetic key per registry office, published in the manifest's
    `issuer_keys`; `certificate_text(claims)`, when given, makes each ordinary certificate's text instead
    (e.g. `dummy_certificate_text`; planted forgeries are still signed forgeries);
    `on_family(link)` is told of each live-born child and its parents (a hook for DNA profiles).
    """

    births: int
    seed: int
    country: str = "ID"
    now: dt.date = DEFAULT_NOW
    certificate_text: CertificateText | None = None
    on_family: Callable[[FamilyLink], None] | None = None
    source: str = "kinward synth"


@dataclass(frozen=True)
class SynthResult:
    """What was written: the manifest (with counts) and the planted truth."""

    path: Path
    manifest: dict[str, Any]
    truth: dict[str, Any]


def generate_dataset(path: str | Path, options: SynthOptions) -> SynthResult:
    """Write a synthetic country's registry to `path`: every record type, manifest.json and truth.json.

    Raises SynthOptionsError for fewer than 200 births (too few to plant every pattern among ordinary noise)
    or an unknown country.
    """
    if options.births < 200:
        raise SynthOptionsError(f"births={options.births}: at least 200 are needed to plant every pattern")
    if options.country not in PROVINCES:
        raise SynthOptionsError(
            f"country {options.country!r} is not modelled; choose one of {', '.join(PROVINCES)}"
        )
    draws = Draws(options.seed)
    capital_offset = PROVINCES[options.country][0][1]
    tz = dt.timezone(dt.timedelta(minutes=capital_offset))
    now_dt = dt.datetime(options.now.year, options.now.month, options.now.day, tzinfo=tz)
    start_dt = now_dt - dt.timedelta(days=COVERAGE_DAYS)
    now, start = int(now_dt.timestamp()), int(start_dt.timestamp())
    world = build_world(options.country, options.births, draws, options.now)
    source = f"{options.source} (seed {options.seed}, {options.births} births)"
    salt = dataset_salt(options.seed, options.births, options.country, options.now, source)
    offices = {a.ref: a.name for a in world.by_kind["registry_office"]}
    issuer = CertificateIssuer(salt, offices, valid_from=start_dt - dt.timedelta(days=1))
    manifest = {
        "country": options.country,
        "coverage_from": start_dt.isoformat(),
        "created": now_dt.isoformat(),
        "source": source,
        "issuer_keys": issuer.issuer_keys(),
    }
    with DatasetWriter(path, manifest) as writer:
        writer.write_many("regions", world.regions)
        writer.write_many("agencies", [a.record() for a in world.agencies])
        writer.write_many("staff", world.staff)
        people = People(NameMaker(options.country, draws), draws, lambda r: writer.write("persons", r))
        sim = Simulation(
            writer, world, draws, people, start, now, options.certificate_text, options.on_family, issuer
        )
        counts = PlantCounts.for_births(options.births)
        skeleton = build_skeleton(options.births, start + DAY, now - DAY, world.facilities, draws)
        assign_roles(skeleton, counts, start, now, draws)
        Flows(sim, skeleton, counts).run()
        order = {name: k for k, name in enumerate(PATTERNS)}
        truth = {"seed": options.seed, "patterns": sorted(sim.truth, key=lambda p: order[p["pattern"]])}
        writer.write_truth(truth)
    return SynthResult(Path(path), writer.close(), truth)
