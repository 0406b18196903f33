"""Online posts: imported, deduplicated, classified into a queue that waits for a person; decisions recorded and
learned from; entities linking posts; retention; who may see what."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.watch import selectors, services
from kinward.apps.watch.models import Decision, Entity, ModelVersion, Post, Sighting
from tests import factories as f
from tests.apps.watch import helpers as wh
from tests.conftest import actor_of

BROKER = "0812-7733-1188"
POSTS = [
    {
        "id": "p-1",
        "lang": "id",
        "platform": "facebook",
        "text": f"Dijual bayi laki-laki sehat umur 2 minggu, harga 15 juta nego. WA {BROKER} <script>x</script>",
    },
    {
        "id": "p-2",
        "lang": "id",
        "platform": "instagram",
        "text": f"Bayi perempuan siap diadopsi tanpa surat, biaya persalinan ditanggung. Hubungi WA {BROKER}",
    },
    {
        "id": "p-3",
        "lang": "id",
        "platform": "forum",
        "text": "Resep bubur bayi 6 bulan: beras, wortel dan kaldu ayam.",
    },
    {
        "id": "p-4",
        "lang": "en",
        "platform": "forum",
        "text": "Our toddler group meets at the library on Tuesdays.",
    },
]


def jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


@pytest.fixture
def analyst(world):
    return actor_of(world.people["analyst"])


@pytest.fixture
def imported(world, analyst):
    report = services.posts_import_file(actor=analyst, filename="ads.jsonl", content=jsonl(POSTS))
    assert (report.read, report.created, report.duplicates) == (4, 4, 0)
    return {p.external_id: p for p in Post.objects.all()}


def test_risky_posts_wait_for_a_person_and_nothing_is_decided_automatically(imported):
    assert imported["p-1"].risk and imported["p-2"].risk
    assert {imported[k].status for k in ("p-1", "p-2")} == {"awaiting_review"}
    assert {imported[k].status for k in ("p-3", "p-4")} == {"benign"}
    assert Decision.objects.count() == 0
    assert all(p.reasons and p.model_version for p in imported.values() if p.risk)


def test_importing_again_or_reposting_the_same_text_stores_nothing_twice(world, analyst, imported):
    again = services.posts_import_file(actor=analyst, filename="ads.jsonl", content=jsonl(POSTS))
    assert (again.created, again.duplicates) == (0, 4)
    repost = [{"id": "other-9", "text": POSTS[2]["text"].upper().replace(" ", "  ")}]
    other = services.posts_import_file(actor=analyst, filename="other.jsonl", content=jsonl(repost))
    assert (other.created, other.duplicates) == (0, 1)
    assert Post.objects.count() == 4
    assert Sighting.objects.filter(post=imported["p-3"]).count() == 2


def test_csv_imports_and_a_bad_record_refuses_the_whole_file_naming_the_line(analyst, world):
    good = b"id,text,platform\nc-1,Dijual bayi sehat harga 10 juta WA 081277331188,forum\n"
    assert services.posts_import_file(actor=analyst, filename="a.csv", content=good).created == 1
    bad = jsonl([{"id": "b-1", "text": "ok text"}]) + b'{"id": "b-2", "text": ""}\n'
    with pytest.raises(ValidationError, match="line 2: field 'text' is missing or empty"):
        services.posts_import_file(actor=analyst, filename="b.jsonl", content=bad)
    assert not Post.objects.filter(external_id="b-1").exists()


def test_the_queue_shows_the_reasons_highlighted_and_escapes_everything_else(world, imported):
    client = Client()
    client.force_login(world.people["analyst"])
    page = client.get(reverse("watch:queue")).content.decode()
    assert f'href="{reverse("watch:post", args=[imported["p-1"].pk])}"' in page
    assert reverse("watch:post", args=[imported["p-3"].pk]) not in page
    detail = client.get(reverse("watch:post", args=[imported["p-1"].pk])).content.decode()
    assert f'<mark class="hl-entity" title="whatsapp: +6281277331188">{BROKER}</mark>' in detail
    assert '<mark class="hl-cue"' in detail
    assert "&lt;script&gt;x&lt;/script&gt;" in detail and "<script>x</script>" not in detail


def test_every_opening_of_a_post_is_audited_and_other_regions_are_refused(world, imported):
    east_police = f.agency("police_unit", world.east, "East Police Unit")
    east_analyst = f.person(east_police, ["analyst"], username="east_analyst")
    east_post = wh.post(east_police)
    client = Client()
    client.force_login(world.people["analyst"])
    post = imported["p-1"]
    assert client.get(reverse("watch:post", args=[post.pk])).status_code == 200
    assert client.get(f"/api/v1/watch/posts/{post.pk}").status_code == 200
    assert (
        AuditEntry.objects.filter(action="watch.post.view", object_id=str(post.pk), outcome="allowed").count()
        == 2
    )
    assert client.get(reverse("watch:post", args=[east_post.pk])).status_code == 403
    assert AuditEntry.objects.filter(
        action="watch.post.review", object_id=str(east_post.pk), outcome="denied"
    ).exists()
    west_ids = set(
        selectors.post_queue(actor=actor_of(world.people["analyst"]), status="").values_list("pk", flat=True)
    )
    assert east_post.pk not in west_ids and post.pk in west_ids
    east_ids = set(selectors.post_queue(actor=actor_of(east_analyst), status="").values_list("pk", flat=True))
    assert east_ids == {east_post.pk}


@pytest.mark.parametrize("persona", ["clerk", "caseworker", "auditor", "admin"])
def test_people_who_are_not_analysts_see_no_post(world, imported, persona):
    client = Client()
    client.force_login(world.people[persona])
    assert client.get(reverse("watch:post", args=[imported["p-1"].pk])).status_code == 403
    assert client.get("/api/v1/watch/posts").status_code == 403


def test_anonymous_visitors_get_nothing(imported):
    client = Client()
    assert client.get(reverse("watch:queue")).status_code == 302
    assert client.get(f"/api/v1/watch/posts/{imported['p-1'].pk}").status_code == 401


def test_decisions_need_a_reason_and_a_label_and_are_recorded_with_who_and_when(world, analyst, imported):
    post = imported["p-1"]
    with pytest.raises(ValidationError, match="say why"):
        services.post_decide(actor=analyst, post=post, outcome="dismissed", reason=" ")
    with pytest.raises(ValidationError, match="give the label"):
        services.post_decide(
            actor=analyst, post=post, outcome="confirmed", reason="broker ad", label="benign"
        )
    decision = services.post_decide(
        actor=analyst, post=post, outcome="confirmed", reason="broker ad", label="offer_sale"
    )
    assert (decision.decided_by, decision.label, post.status) == (
        world.people["analyst"],
        "offer_sale",
        "confirmed",
    )
    helped = services.post_decide(
        actor=analyst,
        post=imported["p-2"],
        outcome="needs_help",
        reason="a mother asking for help",
        note="call the hotline team",
    )
    assert (helped.label, helped.note) == ("review", "call the hotline team")
    from kinward.apps.tips.models import Tip

    routed = Tip.objects.get(pk=int(helped.route_target.removeprefix("support:TIP-")))
    assert routed.status == "new" and "call the hotline team" in routed.what_happened
    assert routed.region == imported["p-2"].agency.region
    assert AuditEntry.objects.filter(action="watch.post.decide", object_id=str(post.pk)).exists()
    caseworker = actor_of(world.people["caseworker"])
    from kinward.apps.accounts.authz import AccessDenied

    with pytest.raises(AccessDenied):
        services.post_decide(actor=caseworker, post=post, outcome="dismissed", reason="x")


def test_retraining_learns_from_decisions_saves_a_version_and_classifies_new_posts_with_it(
    world, analyst, imported, settings, tmp_path
):
    from kinward.engines.synth.posts import training_examples

    base = tmp_path / "base.jsonl"
    base.write_text(jsonl(training_examples(seed=3, n=60)).decode(), encoding="utf-8")
    settings.WATCH_TRAINING_FILE = str(base)
    settings.DATA_DIR = tmp_path
    with pytest.raises(ValidationError, match="nothing to learn"):
        services.model_retrain(actor=analyst)
    services.post_decide(
        actor=analyst, post=imported["p-1"], outcome="confirmed", reason="ad", label="offer_sale"
    )
    services.post_decide(actor=analyst, post=imported["p-3"], outcome="dismissed", reason="a recipe")
    version = services.model_retrain(actor=analyst)
    assert version.is_active and version.n_decisions == 2 and (tmp_path / "models").exists()
    assert version.path.startswith(str(tmp_path / "models")) and version.training["parent_version"]
    assert AuditEntry.objects.filter(action="watch.model.retrain", object_id=str(version.pk)).exists()
    new = services.post_submit(actor=analyst, text="Jual bayi murah, harga 9 juta, WA 081299887766").post
    assert new.model_version == version.version
    clerk = actor_of(world.people["clerk"])
    from kinward.apps.accounts.authz import AccessDenied

    with pytest.raises(AccessDenied):
        services.model_retrain(actor=clerk)
    assert ModelVersion.objects.count() == 1


def test_retention_deletes_old_benign_undecided_posts_only(world, analyst, imported, settings):
    settings.WATCH_BENIGN_RETENTION_DAYS = 30
    services.post_decide(
        actor=analyst, post=imported["p-4"], outcome="dismissed", reason="kept as an example"
    )
    Post.objects.update(received_at=timezone.now() - timedelta(days=31))
    fresh = wh.post(world.police, risk=False)
    assert services.benign_posts_purge() == 1
    assert set(Post.objects.values_list("external_id", flat=True)) == {"p-1", "p-2", "p-4", fresh.external_id}
    assert AuditEntry.objects.filter(action="watch.post.purge").exists()


def test_a_submission_with_a_screenshot_is_checked_stored_and_shown_to_analysts_only(world, analyst):
    with pytest.raises(ValidationError, match="not a readable image"):
        services.post_submit(actor=analyst, text="Jual bayi", screenshot=b"GIF89a not really")
    import io

    from PIL import Image

    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(ValidationError, match="GIF images are not accepted"):
        services.post_submit(actor=analyst, text="Jual bayi", screenshot=gif.getvalue())
    with pytest.raises(ValidationError, match="more than the limit"):
        services.post_submit(actor=analyst, text="Jual bayi", screenshot=b"x" * (3 * 1024 * 1024))
    result = services.post_submit(
        actor=analyst,
        text=f"Jual bayi sehat 12 juta WA {BROKER}",
        url="https://fb.example/p/1",
        screenshot=wh.png_bytes(),
    )
    assert result.created and result.post.screenshot and result.post.submitted_by == world.people["analyst"]
    assert not services.post_submit(actor=analyst, text=f"jual  bayi sehat 12 juta wa {BROKER}").created
    client = Client()
    client.force_login(world.people["analyst"])
    response = client.get(reverse("watch:screenshot", args=[result.post.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEntry.objects.filter(
        action="watch.post.screenshot_view", object_id=str(result.post.pk)
    ).exists()


def test_an_entity_page_gathers_every_post_behind_a_phone_across_platforms_and_its_records(
    world, analyst, imported
):
    from kinward.apps.registry.models import Person

    Person.objects.create(
        given_name="Invented", phone="+6281277331188", external_ref="PR-0000237", source="synth"
    )
    entity = Entity.objects.get(value="+6281277331188")
    page = selectors.entity_open(actor=analyst, entity_id=entity.pk)
    assert {p.external_id for p in page.posts} == {"p-1", "p-2"}
    assert page.platforms == ["facebook", "instagram"]
    assert sorted(len(c) for c in page.clusters) in ([2], [1, 1])
    assert {"app": "registry", "model": "person", "count": 1, "refs": ["PR-0000237"]} in page.records
    assert AuditEntry.objects.filter(action="watch.entity.view", object_id=str(entity.pk)).exists()
    client = Client()
    client.force_login(world.people["analyst"])
    body = client.get(f"/api/v1/watch/entities/{entity.pk}").json()
    assert len(body["post_ids"]) == 2 and body["linked_records"][0]["refs"] == ["PR-0000237"]


def test_source_statistics_count_posts_risky_share_and_errors(world, analyst, imported, settings):
    settings.WATCH_FEED_PRIVATE_HOSTS = ["127.0.0.1"]
    failing = wh.source(world.police, url="http://127.0.0.1:9/none.xml")
    services.source_poll(source=failing)
    stats = {s.source.name: s for s in selectors.source_statistics(actor=analyst)}
    imports = stats["File import: ads.jsonl"]
    assert (imports.posts, imports.risky, imports.risky_share) == (4, 2, 0.5)
    assert "could not connect" in stats[failing.name].source.last_error
    client = Client()
    client.force_login(world.people["analyst"])
    listed = {s["name"]: s for s in client.get("/api/v1/watch/sources").json()}
    assert (
        listed["File import: ads.jsonl"]["risky_share"] == 0.5
        and listed[failing.name]["consecutive_failures"] == 1
    )


def test_the_api_records_a_decision_and_refuses_an_invalid_one_with_field_errors(world, imported):
    client = Client()
    client.force_login(world.people["analyst"])
    post = imported["p-2"]
    bad = client.post(
        f"/api/v1/watch/posts/{post.pk}/decision",
        {"outcome": "confirmed", "reason": "ad"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "label"
    ok = client.post(
        f"/api/v1/watch/posts/{post.pk}/decision",
        {"outcome": "confirmed", "reason": "ad", "label": "illegal_adoption"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    assert ok.json()["decisions"][0]["label"] == "illegal_adoption"
