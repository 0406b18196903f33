"""Records for watch tests and the access matrix, made without the classifier (fast)."""

from __future__ import annotations

import io
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone

from kinward.apps.watch.models import Entity, Post, PostEntity, Sighting, Source

_counter = itertools.count(1)


def png_bytes(size: int = 8) -> bytes:
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (size, size), "red").save(picture, format="PNG")
    return picture.getvalue()


def source(agency, kind: str = "feed", url: str = "http://127.0.0.1:9/feed.xml", name: str = "") -> Source:
    return Source.objects.create(name=name or f"Feed {next(_counter)}", kind=kind, url=url, agency=agency)


def post(agency, *, text: str = "", risk: bool = True, screenshot: bool = False, status: str = "") -> Post:
    """A classified post held by `agency` (the verdict written directly, as the classifier would)."""
    number = next(_counter)
    src = Source.objects.filter(agency=agency, kind="manual").first() or source(agency, kind="manual", url="")
    stored = Post.objects.create(
        agency=agency,
        source=src,
        external_id=f"matrix-{number}",
        text=text or f"Jual bayi sehat no {number}",
        text_hash=f"{number:064d}",
        label="offer_sale" if risk else "benign",
        risk=risk,
        score=0.9 if risk else 0.1,
        lang="id",
        reasons=["cue sale"],
        status=status or ("awaiting_review" if risk else "benign"),
        classified_at=timezone.now(),
    )
    Sighting.objects.create(post=stored, source=src, external_id=stored.external_id)
    if screenshot:
        stored.screenshot.save(f"matrix-{number}.png", ContentFile(png_bytes()), save=True)
    return stored


def entity(agency, value: str = "+6281234500001") -> Entity:
    found, _ = Entity.objects.get_or_create(type="phone", value=value)
    PostEntity.objects.create(post=post(agency), entity=found, raw=value)
    return found
