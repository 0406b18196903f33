"""Demo posts: synthetic online posts of the synthetic country — mostly benign look-alikes and broker ads whose
phones are those of the people the planted clinic ring discharged babies to — imported into the demo police
unit's queue and classified. Idempotent: once the demo source exists nothing is imported again."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db.models import Count

from kinward.apps.accounts.models import Agency
from kinward.apps.watch.importers import PostRecord
from kinward.apps.watch.models import Entity, Source
from kinward.apps.watch.services import WATCH_SYSTEM, _import_records

DEMO_SOURCE = "Demo: synthetic posts"
DEMO_POSTS = 160
DEMO_SEED = 7


def demo_dataset(dataset_dir: str | Path | None = None) -> Path:
    """A synthetic dataset folder to read the clinic ring from: the one given, `$KINWARD_DATA_DIR/synth` when
    the demo wrote one there, else one generated (2,000 births, seed 7) under `$KINWARD_DATA_DIR/watch-synth`."""
    for candidate in (
        dataset_dir,
        Path(settings.DATA_DIR) / "synth",
        Path(settings.DATA_DIR) / "watch-synth",
    ):
        if candidate and (Path(candidate) / "truth.json").exists():
            return Path(candidate)
    from kinward.engines.synth import SynthOptions, generate_dataset

    folder = Path(settings.DATA_DIR) / "watch-synth"
    generate_dataset(folder, SynthOptions(births=2000, seed=DEMO_SEED))
    return folder


def demo_seed(*, stdout: TextIO, dataset_dir: str | Path | None = None, posts: int = DEMO_POSTS) -> None:
    from kinward.engines.synth.posts import generate_posts, ring_broker_phones

    agency = Agency.objects.filter(kind=Agency.Kind.POLICE_UNIT).order_by("pk").first()
    if agency is None:
        stdout.write("watch: no police unit in the demo country; no posts seeded\n")
        return
    if Source.objects.filter(agency=agency, name=DEMO_SOURCE).exists():
        stdout.write("watch: demo posts already seeded\n")
        return
    brokers = ring_broker_phones(demo_dataset(dataset_dir))
    generated = generate_posts(seed=DEMO_SEED, n=posts, broker_phones=brokers)
    records = [
        PostRecord(external_id=p["id"], text=p["text"], platform=p["platform"], lang=p["lang"])
        for p in generated
    ]
    report = _import_records(
        actor=WATCH_SYSTEM, agency_id=agency.pk, name=DEMO_SOURCE, records=records, platform="mixed"
    )
    busiest = (
        Entity.objects.filter(value__in=[b.phone for b in brokers])
        .annotate(n=Count("post_entities"))
        .order_by("-n")
        .first()
    )
    stdout.write(
        f"watch: {report.created} synthetic posts for {agency.name}, {report.risky} risky waiting for "
        f"review; {len(brokers)} clinic-ring broker phones"
    )
    stdout.write(
        f"; busiest broker: /watch/entities/{busiest.pk}/ ({busiest.n} posts)\n" if busiest else "\n"
    )
