"""The public tip line: anonymous tips with a receipt code, files cleaned of metadata, rate limits, and the
analysts' triage queue scoped by region, with every opening audited."""

import base64
import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from kinward.apps.alerts.models import Alert
from kinward.apps.alerts.selectors import alert_queue
from kinward.apps.audit.models import AuditEntry
from kinward.apps.core.models import IdempotencyRecord
from kinward.apps.tips import ratelimit, selectors, services
from kinward.apps.tips.models import RateBucket, RateSalt, Tip, TipAttachment
from kinward.apps.tips.receipts import ALPHABET, receipt_code_new, receipt_code_normalise, receipt_hash
from tests import factories as f
from tests.conftest import actor_of, signed_in_client

CODE = re.compile(r'data-receipt-code="([A-Z0-9-]{19})"')


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KinwardTestCam"  # Make
    exif[0x0131] = "SecretPhoneSoftware"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (6.0, 10.0, 30.0)  # latitude
    gps[3], gps[4] = "E", (106.0, 49.0, 0.0)  # longitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 0, 128)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(**extra):
    data = {
        "category": "clinic",
        "what_happened": "A midwife offered a newborn for money.",
        "where": "Klinik Harapan, Batam",
        "when": "last week",
        "seen_identifiers": "+62 812 0000 0000",
    }
    data.update(extra)
    return data


def submit_page(client=None, addr="198.51.100.7", **extra):
    client = client or Client()
    return client.post(reverse("tips:submit"), form_data(**extra), REMOTE_ADDR=addr)


def east_analyst(world):
    police_east = f.agency("police_unit", world.east, "East Police Unit")
    return f.person(police_east, ["analyst"], username="analyst_east")


# --- the tipster's side ------------------------------------------------------------------------------------


def test_a_tip_sent_from_the_page_shows_a_receipt_code_once_and_stores_only_its_hash(world):
    response = submit_page()
    assert response.status_code == 200
    code = CODE.search(response.content.decode()).group(1)
    assert response["Cache-Control"].count("no-store")
    tip = Tip.objects.get()
    assert (
        tip.receipt_hash
        == hashlib.sha256(b"kinward-tip-receipt:" + code.replace("-", "").encode()).hexdigest()
    )
    stored = json.dumps([list(row) for row in Tip.objects.values_list()], default=str)
    assert code not in stored and code.replace("-", "") not in stored
    assert tip.status == "new" and tip.public_status == "received"


def test_the_api_answer_is_replayed_without_the_receipt_code_and_creates_no_second_tip(world):
    body = json.dumps({"category": "website", "what_happened": "A site sells babies.", "where": "online"})
    client = Client()
    first = client.post("/api/v1/tips/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    code = first.json()["receipt_code"]
    assert receipt_code_normalise(code)
    again = client.post("/api/v1/tips/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["receipt_code"] == "" and "only in the first answer" in again.json()["message"]
    assert Tip.objects.count() == 1
    kept = bytes(IdempotencyRecord.objects.get(key="k-1").response_body)
    assert code.encode() not in kept


def test_nothing_that_identifies_the_tipster_is_stored_and_the_audit_entry_has_no_address(world):
    Client().post(
        reverse("tips:submit"),
        form_data(),
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="UniqueAgent/9.9 (tipster phone)",
    )
    tip = Tip.objects.get()
    entry = AuditEntry.objects.get(action="tips.tip.submit")
    assert entry.client_address == "" and entry.actor_username == "public:tipster"
    assert entry.actor_user_id is None and entry.object_id == str(tip.pk)
    everything = json.dumps(
        [
            list(Tip.objects.values_list()),
            list(AuditEntry.objects.values_list()),
            list(RateBucket.objects.values_list()),
            list(RateSalt.objects.values_list()),
        ],
        default=str,
    )
    assert "203.0.113.77" not in everything and "UniqueAgent" not in everything
    assert (tip.contact_name, tip.contact_phone, tip.contact_email) == ("", "", "")


def test_contact_details_are_kept_only_when_the_tipster_gives_them(world):
    submit_page(contact_name="Ibu Rina", contact_email="rina@example.org", contact_phone="+62 811 000")
    tip = Tip.objects.get()
    assert (tip.contact_name, tip.contact_email, tip.contact_phone) == (
        "Ibu Rina",
        "rina@example.org",
        "+62 811 000",
    )


def test_images_are_re_encoded_without_exif_or_gps_under_a_random_name(world, media):
    response = submit_page(
        attachments=[
            upload("IMG_2026_Rina.jpg", jpeg_with_gps(), "image/jpeg"),
            upload("screen.png", png_bytes(), "image/png"),
        ]
    )
    assert response.status_code == 200
    files = stored_files(media)
    assert len(files) == 2
    for path in files:
        content = path.read_bytes()
        assert b"KinwardTestCam" not in content and b"SecretPhoneSoftware" not in content
        with Image.open(path) as stored:
            assert (
                dict(stored.getexif()) == {}
                and "exif" not in stored.info
                and "icc_profile" not in stored.info
            )
        assert "Rina" not in path.name and re.fullmatch(r"[0-9a-f]{32}\.(jpg|png)", path.name)
    kinds = sorted(TipAttachment.objects.values_list("content_type", flat=True))
    assert kinds == ["image/jpeg", "image/png"]
    assert not any("IMG_2026" in str(v) for v in TipAttachment.objects.values_list())


def test_a_damaged_pdf_is_refused_with_a_clear_error_and_nothing_is_written(world, media):
    pdf = b"%PDF-1.7\n1 0 obj << /Author (Rina) >> endobj\n%%EOF\n"
    response = submit_page(attachments=[upload("evidence.pdf", pdf, "application/pdf")])
    assert response.status_code == 400
    assert "could not be read as a PDF" in response.content.decode()
    assert Tip.objects.count() == 0 and stored_files(media) == []
    assert not AuditEntry.objects.filter(action="tips.tip.submit").exists()


def test_a_file_named_like_an_image_but_holding_something_else_is_refused(world, media):
    response = submit_page(
        attachments=[upload("photo.jpg", b"MZ\x90\x00 not a picture at all", "image/jpeg")]
    )
    assert response.status_code == 400
    assert "is not a JPEG, PNG or WebP image" in response.content.decode()
    assert Tip.objects.count() == 0 and stored_files(media) == []


def test_an_oversized_file_is_refused_even_after_a_good_one_and_nothing_is_written(world, media, settings):
    settings.TIP_ATTACHMENT_MAX_BYTES = 2000
    response = submit_page(
        attachments=[
            upload("a.png", png_bytes(), "image/png"),
            upload("b.png", b"\x89PNG" + b"0" * 5000, "image/png"),
        ]
    )
    assert response.status_code == 400
    assert "File 2 is too large" in response.content.decode()
    assert Tip.objects.count() == 0 and stored_files(media) == []
    with pytest.raises(Exception, match="too large"):
        services.tip_submit(category="other", what_happened="x", where="y", attachments=[b"\xff" * 3000])
    assert Tip.objects.count() == 0 and stored_files(media) == []


def test_the_api_refuses_bad_input_with_field_errors(world):
    client = Client()
    missing = client.post(
        "/api/v1/tips/", {"category": "clinic", "where": "x"}, content_type="application/json"
    )
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {"what_happened"}
    empty = client.post(
        "/api/v1/tips/",
        {"category": "clinic", "what_happened": " ", "where": "x"},
        content_type="application/json",
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "what_happened"
    pdf = base64.b64encode(b"%PDF-1.4 x").decode()
    refused = client.post(
        "/api/v1/tips/",
        {"category": "clinic", "what_happened": "x", "where": "x", "attachments": [{"data_base64": pdf}]},
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "attachments"
    assert Tip.objects.count() == 0


def test_the_rate_limit_answers_429_per_address_and_for_everyone(world, settings):
    settings.TIP_RATE_PER_ADDRESS, settings.TIP_RATE_GLOBAL = 2, 3
    client = Client()
    assert [submit_page(client, addr="198.51.100.1").status_code for _ in range(2)] == [200, 200]
    limited = submit_page(client, addr="198.51.100.1")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many requests" in limited.content.decode()
    assert submit_page(client, addr="198.51.100.2").status_code == 200  # another address, same window
    assert submit_page(client, addr="198.51.100.3").status_code == 429  # everyone together: over 3
    api = client.post(
        "/api/v1/tips/",
        {"category": "other", "what_happened": "x", "where": "y"},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.4",
    )
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"
    assert Tip.objects.count() == 3


def test_rate_counters_and_salts_are_deleted_once_their_window_and_day_have_passed(world):
    now = timezone.now()
    ratelimit.rate_check(scope="submit", address="192.0.2.9", now=now - timedelta(days=2))
    assert RateBucket.objects.count() == 2 and RateSalt.objects.count() == 1
    ratelimit.rate_check(scope="submit", address="192.0.2.9", now=now)
    assert RateSalt.objects.get().day == now.date()
    assert set(RateBucket.objects.values_list("count", flat=True)) == {1}
    assert ratelimit.address_key("192.0.2.9", now=now) != ratelimit.address_key("192.0.2.10", now=now)


def test_the_status_page_shows_only_the_coarse_status_and_accepts_more_information(world, media):
    submitted = services.tip_submit(
        category="baby_offered", what_happened="Baby offered", where="Bandung", region=world.west_district
    )
    code = submitted.receipt_code
    client = Client()
    page = client.post(reverse("tips:status"), {"receipt_code": code.lower().replace("-", " ")})
    assert page.status_code == 200 and 'data-status="received"' in page.content.decode()
    added = client.post(
        reverse("tips:add_information"),
        {
            "receipt_code": code,
            "text": "The woman left for Batam.",
            "attachments": [upload("x.png", png_bytes(), "image/png")],
        },
    )
    assert added.status_code == 200 and "was added" in added.content.decode()
    message = submitted.tip.messages.get()
    assert message.text == "The woman left for Batam." and message.attachments.count() == 1
    assert AuditEntry.objects.get(action="tips.tip.add_information").client_address == ""

    analyst = actor_of(world.people["analyst"])
    services.tip_close(actor=analyst, tip=submitted.tip, reason="Operation Mawar under way, suspect R.")
    page = client.post(reverse("tips:status"), {"receipt_code": code})
    text = page.content.decode()
    assert 'data-status="closed"' in text and "Mawar" not in text and "suspect" not in text
    api = client.post("/api/v1/tips/status", {"receipt_code": code}, content_type="application/json")
    assert api.json() == {
        "status": "closed",
        "received_on": submitted.tip.created_at.date().isoformat(),
        "can_add_information": False,
    }
    late = client.post(
        "/api/v1/tips/status/add", {"receipt_code": code, "message": "more"}, content_type="application/json"
    )
    assert late.status_code == 422


def test_a_wrong_receipt_code_reveals_nothing(world):
    client = Client()
    wrong = client.post(reverse("tips:status"), {"receipt_code": receipt_code_new()})
    assert wrong.status_code == 400 and "No tip has this receipt code" in wrong.content.decode()
    api = client.post("/api/v1/tips/status", {"receipt_code": "nonsense"}, content_type="application/json")
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "receipt_code"


@hypothesis_settings(max_examples=50, deadline=None)
@given(st.data())
def test_receipt_codes_are_four_groups_from_the_unambiguous_alphabet_and_read_back_however_typed(data):
    code = receipt_code_new()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code) and not set(code) & set("IO01")
    typed = "".join(ch.lower() if data.draw(st.booleans()) else ch for ch in code).replace("-", " ")
    assert receipt_hash(typed) == receipt_hash(code)
    assert len(ALPHABET) == 32


# --- the analysts' side ------------------------------------------------------------------------------------


@pytest.fixture
def tips(world):
    def make(region, category="clinic"):
        return services.tip_submit(
            category=category, what_happened="Something seen", where="somewhere", region=region
        ).tip

    return {"west": make(world.west_district), "east": make(world.east_district), "unrouted": make(None)}


def test_analysts_see_the_tips_of_their_region_and_the_unrouted_ones_of_their_country(world, tips):
    west = selectors.tip_queue(actor=actor_of(world.people["analyst"]))
    assert set(west) == {tips["west"], tips["unrouted"]}
    east = selectors.tip_queue(actor=actor_of(east_analyst(world)))
    assert set(east) == {tips["east"], tips["unrouted"]}
    assert tips["unrouted"].country == "ID"


def test_an_analyst_of_another_region_cannot_open_the_tip_and_the_refusal_is_audited(world, tips):
    client = signed_in_client(east_analyst(world))
    assert client.get(reverse("tips:detail", args=[tips["west"].pk])).status_code == 403
    assert client.get(f"/api/v1/tips/triage/{tips['west'].pk}").status_code == 403
    denied = AuditEntry.objects.filter(
        action="tips.tip.triage", outcome="denied", object_id=str(tips["west"].pk)
    )
    assert denied.count() == 2
    assert client.get(reverse("tips:detail", args=[tips["east"].pk])).status_code == 200


def test_every_opening_of_a_tip_and_of_its_files_is_audited(world, media):
    tip = services.tip_submit(
        category="clinic", what_happened="x", where="y", region=world.west_district, attachments=[png_bytes()]
    ).tip
    client = signed_in_client(world.people["analyst"])
    assert client.get(reverse("tips:detail", args=[tip.pk])).status_code == 200
    assert client.get(f"/api/v1/tips/triage/{tip.pk}").status_code == 200
    picture = client.get(reverse("tips:attachment", args=[tip.pk, tip.attachments.get().pk]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    views = AuditEntry.objects.filter(action="tips.tip.view", object_id=str(tip.pk), outcome="allowed")
    assert views.count() == 2 and set(views.values_list("actor_username", flat=True)) == {"analyst"}
    assert AuditEntry.objects.filter(action="tips.attachment.view").count() == 1


def test_the_anonymous_visitor_and_other_roles_cannot_see_the_triage_queue(world, tips):
    anonymous = Client()
    assert anonymous.get(reverse("tips:triage")).status_code == 302
    assert anonymous.get("/api/v1/tips/triage").status_code == 401
    assert anonymous.get(f"/api/v1/tips/triage/{tips['west'].pk}").status_code == 401
    caseworker = signed_in_client(world.people["caseworker"])
    assert caseworker.get(reverse("tips:triage")).status_code == 403
    listing = signed_in_client(world.people["analyst"]).get("/api/v1/tips/triage")
    assert {item["number"] for item in listing.json()["items"]} == {
        tips["west"].number,
        tips["unrouted"].number,
    }


def test_triage_assigns_reviews_refers_and_closes_with_reasons(world, tips):
    analyst = actor_of(world.people["analyst"])
    tip = tips["west"]
    services.tip_assign(actor=analyst, tip=tip, assignee=world.people["analyst"])
    assert tip.status == "in_review" and tip.public_status == "being_reviewed"
    with pytest.raises(Exception, match="may not triage"):
        services.tip_assign(actor=analyst, tip=tip, assignee=world.people["caseworker"])
    services.tip_mark_reviewed(actor=analyst, tip=tip)
    with pytest.raises(Exception, match="reason"):
        services.tip_refer(actor=analyst, tip=tip, target="case C-12", reason="")
    services.tip_refer(actor=analyst, tip=tip, target="case C-12", reason="same clinic as the open case")
    assert tip.referral_target == "case C-12"
    with pytest.raises(Exception, match="reason"):
        services.tip_close(actor=analyst, tip=tip, reason=" ")
    services.tip_close(actor=analyst, tip=tip, reason="handled in case C-12")
    with pytest.raises(Exception, match="closed"):
        services.tip_mark_reviewed(actor=analyst, tip=tip)
    kinds = list(tip.actions.values_list("kind", flat=True))
    assert kinds == ["assign", "reviewed", "refer", "close"]
    assert (
        AuditEntry.objects.filter(action="tips.tip.triage", object_id=str(tip.pk), outcome="allowed").count()
        == 4
    )


def test_making_an_alert_puts_the_tip_in_the_alert_queue_once(world, tips):
    analyst = actor_of(world.people["analyst"])
    client = signed_in_client(world.people["analyst"])
    response = client.post(
        f"/api/v1/tips/triage/{tips['west'].pk}/action",
        {"action": "alert", "reason": "clinic named in two tips"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["alert_id"]
    alert = Alert.objects.get(pk=response.json()["alert_id"])
    assert (alert.rule, alert.subject_type, alert.subject_ref) == ("public_tip", "tips", tips["west"].number)
    assert alert.agency == world.police and alert in alert_queue(actor=analyst)
    assert AuditEntry.objects.filter(action="alerts.alert.create", object_id=str(alert.pk)).exists()
    twice = client.post(
        f"/api/v1/tips/triage/{tips['west'].pk}/action",
        {"action": "alert", "reason": "again"},
        content_type="application/json",
    )
    assert twice.status_code == 422 and Alert.objects.filter(rule="public_tip").count() == 1


def test_routing_sends_an_unrouted_tip_to_one_region(world, tips):
    west, east = actor_of(world.people["analyst"]), actor_of(east_analyst(world))
    services.tip_route(actor=west, tip=tips["unrouted"], region=world.east_district, reason="names Batam")
    assert tips["unrouted"] not in selectors.tip_queue(actor=west)
    assert tips["unrouted"] in selectors.tip_queue(actor=east)


def test_the_triage_page_records_a_decision(world, tips):
    client = signed_in_client(world.people["analyst"])
    page = client.get(reverse("tips:triage"))
    assert page.status_code == 200 and tips["west"].number in page.content.decode()
    assert tips["east"].number not in page.content.decode()
    refused = client.post(reverse("tips:act", args=[tips["west"].pk]), {"action": "close"})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    done = client.post(reverse("tips:act", args=[tips["west"].pk]), {"action": "close", "reason": "no basis"})
    assert done.status_code == 302
    assert Tip.objects.get(pk=tips["west"].pk).status == "closed"


def test_the_demo_seed_makes_three_tips_one_turned_into_an_alert_and_is_idempotent(db):
    from kinward.apps.tips.demo import demo_seed

    country = f.country("ID")
    riau = f.province(country, "ID-RI")
    riau.name = "Kepulauan Riau"
    riau.save()
    f.person(f.agency("police_unit", riau, "Polda Kepri"), ["analyst"], username="analyst")
    out = io.StringIO()
    demo_seed(stdout=out)
    demo_seed(stdout=out)
    assert Tip.objects.count() == 3
    assert set(Tip.objects.values_list("category", flat=True)) == {"clinic", "vanished_pregnancy", "website"}
    assert Tip.objects.get(category="clinic").region == riau
    alert = Alert.objects.get(rule="public_tip")
    assert Tip.objects.get(alert=alert).category == "clinic"
    assert "receipt code" in out.getvalue()


def test_the_scheduled_prune_forgets_ended_windows_on_a_quiet_tip_line(world):
    from kinward.apps.tips.tasks import tip_rate_counters_prune

    ratelimit.rate_check(scope="status", address="192.0.2.1", now=timezone.now() - timedelta(days=1, hours=2))
    assert RateBucket.objects.count() == 2
    assert tip_rate_counters_prune.call() == 3
    assert (RateBucket.objects.count(), RateSalt.objects.count()) == (0, 0)
