"""The demo shows ring brokers' ads in the queue, once; `kinward posts` imports, polls and purges."""

from __future__ import annotations

import io
import json

from kinward.apps.watch.demo import demo_seed
from kinward.apps.watch.models import Entity, Post
from kinward.apps.watch.selectors import entity_open
from kinward.engines.synth import SynthOptions, generate_dataset
from kinward.engines.synth.posts import ring_broker_phones
from tests.conftest import actor_of


def test_the_demo_queues_ads_carrying_the_clinic_rings_phones_and_seeding_twice_changes_nothing(
    world, tmp_path
):
    generate_dataset(tmp_path, SynthOptions(births=2000, seed=7))
    out = io.StringIO()
    demo_seed(stdout=out, dataset_dir=tmp_path, posts=60)
    assert "risky waiting for review" in out.getvalue()
    assert Post.objects.filter(status="awaiting_review", agency=world.police).count() >= 10
    phones = [b.phone for b in ring_broker_phones(tmp_path)]
    broker = Entity.objects.filter(value__in=phones).first()
    page = entity_open(actor=actor_of(world.people["analyst"]), entity_id=broker.pk)
    assert len(page.posts) >= 2 and all(p.risk for p in page.posts)
    before = Post.objects.count()
    demo_seed(stdout=io.StringIO(), dataset_dir=tmp_path, posts=60)
    assert Post.objects.count() == before


def test_the_posts_command_imports_a_file_for_an_agency(world, tmp_path, capsys):
    from kinward.apps.watch.cli import cmd_import, cmd_purge

    path = tmp_path / "posts.jsonl"
    records = [
        {"id": "c-1", "lang": "id", "platform": "forum", "text": "Dijual bayi sehat 20 juta WA 081277331188"},
        {"id": "c-2", "lang": "id", "platform": "forum", "text": "Jadwal posyandu hari Sabtu jam 8."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    class Args:
        file, agency_id, platform, days = str(path), world.police.pk, "", 0

    assert cmd_import(Args) == 0
    assert "2 new posts (1 risky" in capsys.readouterr().out
    assert cmd_purge(Args) == 0
    assert set(Post.objects.values_list("external_id", flat=True)) == {"c-1"}
