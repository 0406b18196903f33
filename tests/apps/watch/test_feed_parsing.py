"""The feed and file readers: any input gives items or a FeedError / ValidationError, never a crash; text
survives XML and JSON escaping."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kinward.apps.watch.feeds import FeedError, html_to_text, parse_feed
from kinward.apps.watch.importers import read_post_file

# XML 1.0 allows neither most control characters nor surrogates.
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(
    str.strip
)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_items_or_a_feed_error(body):
    try:
        items = parse_feed(body)
    except FeedError:
        return
    assert isinstance(items, list)


@settings(max_examples=60, deadline=None)
@given(xml_text, xml_text)
def test_rss_item_text_survives_escaping(title, guid):
    body = (
        f"<rss version='2.0'><channel><item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        "</item></channel></rss>"
    ).encode()
    [item] = parse_feed(body)
    assert item.text == title.strip() and item.external_id == guid.strip()[:300]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80).filter(str.strip))
def test_json_feed_text_survives_escaping(text):
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "content_text": text}]}
    )
    [item] = parse_feed(body.encode())
    assert item.text == text.strip()


def test_html_is_reduced_to_text_without_scripts():
    assert html_to_text("<p>Jual&nbsp;bayi <b>sehat</b></p><script>alert(1)</script><br>WA 0812") == (
        "Jual\xa0bayi sehat\nWA 0812"
    )


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["a.jsonl", "a.csv"]))
@example(b"\r\x00", "a.csv")  # a carriage return in the header once escaped as csv.Error
@example(b"\x00\r\n\r", "a.csv")
def test_arbitrary_files_give_records_or_a_validation_error(content, name):
    try:
        records = read_post_file(name, content, max_chars=1000)
    except ValidationError as invalid:
        assert "file" in invalid.message_dict
        return
    assert all(r.text.strip() for r in records)


def test_a_file_of_another_kind_is_refused():
    with pytest.raises(ValidationError, match="give a .jsonl or .csv file"):
        read_post_file("posts.xlsx", b"PK", max_chars=10)
