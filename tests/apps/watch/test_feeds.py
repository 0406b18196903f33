"""Feed polling against a real HTTP server on loopback: bad feeds fail alone, clearly, and lose nothing."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from kinward.apps.watch import services
from kinward.apps.watch.feeds import FeedError, parse_feed
from kinward.apps.watch.models import Post, Source
from tests.apps.watch import helpers as wh

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Forum Ibu</title>
<item><guid>rss-1</guid><title>Dijual bayi</title><link>http://forum.example/t/1</link>
<description>&lt;p&gt;Dijual bayi laki-laki sehat umur 2 minggu, harga 15 juta nego. WA 0812-7733-1188&lt;/p&gt;</description>
<pubDate>Mon, 01 Dec 2026 08:00:00 +0700</pubDate></item>
<item><guid>rss-2</guid><title>Resep</title><link>http://forum.example/t/2</link>
<description>Resep bubur bayi 6 bulan: beras, wortel dan kaldu ayam.</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id>
<entry><id>urn:atom-1</id><title>Surrogacy</title><link href="http://blog.example/1"/>
<updated>2026-12-01T08:00:00Z</updated><content type="text">Ищем суррогатную маму, оплата 15 000 долларов, телеграм @surro_help_kz</content></entry>
</feed>"""
JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Posts",
        "items": [
            {
                "id": "j-1",
                "url": "http://posts.example/1",
                "content_text": "Bayi perempuan siap adopsi tanpa surat, hub 0813 2211 4455",
            },
            {"id": "j-2", "content_html": "<p>Jadwal posyandu bulan ini</p>"},
        ],
    }
)


class FeedServer:
    """A loopback HTTP server whose answers the test can change between polls."""

    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.delay: dict[str, float] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                time.sleep(server.delay.get(self.path, 0))
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (the timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(
        self,
        path: str,
        body: str | bytes,
        status: int = 200,
        content_type: str = "application/xml",
        **headers,
    ):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, data)


@pytest.fixture
def feeds(settings):
    settings.WATCH_FEED_PRIVATE_HOSTS = [
        "127.0.0.1"
    ]  # the test server is on loopback: allowed by the setting
    settings.WATCH_FEED_TIMEOUT_SECONDS = 0.5
    settings.WATCH_FEED_MAX_BYTES = 20_000
    settings.WATCH_POST_MAX_CHARS = 2_000
    server = FeedServer()
    server.thread.start()
    server.serve("/rss.xml", RSS)
    server.serve("/atom.xml", ATOM, content_type="application/atom+xml")
    server.serve("/feed.json", JSON_FEED, content_type="application/feed+json")
    server.serve("/malformed.xml", "<rss><channel><item><title>broken</channel>")
    server.serve(
        "/invalid.json",
        '{"version": "https://jsonfeed.org/version/1.1", "items": [',
        content_type="application/json",
    )
    server.serve("/slow.xml", RSS)
    server.delay["/slow.xml"] = 3
    server.serve("/huge.xml", "<rss><channel>" + "<item><title>x</title></item>" * 2000 + "</channel></rss>")
    server.serve("/loop", b"", status=302, Location="/loop")
    server.serve(
        "/entities.xml",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<rss><channel><item><title>&b;</title></item></channel></rss>",
    )
    long_text = "Bayi dijual. " * 400
    server.serve("/long-item.xml", RSS.replace("Resep bubur bayi 6 bulan", long_text))
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _source(world, feeds, path):
    return wh.source(world.police, url=feeds.url(path), name=path)


def test_rss_atom_and_json_feeds_are_read_stored_and_classified(world, feeds):
    sources = [_source(world, feeds, p) for p in ("/rss.xml", "/atom.xml", "/feed.json")]
    results = {r.source_id: r for r in services.feeds_poll_due()}
    assert [results[s.pk].created for s in sources] == [2, 1, 2]
    assert all(r.ok and not r.error for r in results.values())
    ad = Post.objects.get(external_id="rss-1")
    assert ad.url == "http://forum.example/t/1" and "<p>" not in ad.text and ad.published_at is not None
    assert ad.risk and ad.status == "awaiting_review" and ad.decisions.count() == 0
    assert {e.value for e in ad.entities.all()} == {"+6281277331188"}
    assert Post.objects.get(external_id="rss-2").status == "benign"
    surrogacy = Post.objects.get(external_id="urn:atom-1")
    assert surrogacy.risk and surrogacy.source.name == "/atom.xml"


@pytest.mark.parametrize(
    "path, problem",
    [
        ("/malformed.xml", "malformed XML"),
        ("/invalid.json", "invalid JSON"),
        ("/slow.xml", "timeout"),
        ("/huge.xml", "larger than the limit of 20000 bytes"),
        ("/loop", "redirect loop"),
        ("/entities.xml", "DTD or entities"),
        ("/missing.xml", "HTTP 404"),
    ],
)
def test_a_bad_feed_fails_alone_with_a_clear_error_and_loses_nothing(world, feeds, path, problem):
    good = _source(world, feeds, "/rss.xml")
    bad = _source(world, feeds, path)
    # the bad source once worked: its posts are stored
    bad.url, good_url = feeds.url("/atom.xml"), bad.url
    bad.save()
    services.source_poll(source=bad)
    stored = set(Post.objects.filter(source=bad).values_list("pk", flat=True))
    assert stored
    Source.objects.filter(pk=bad.pk).update(url=good_url, next_attempt_at=None)
    now = timezone.now()
    results = {r.source_id: r for r in services.feeds_poll_due(now=now)}
    assert results[good.pk].ok and results[good.pk].created == 2
    assert not results[bad.pk].ok and problem in results[bad.pk].error
    bad.refresh_from_db()
    assert problem in bad.last_error and bad.consecutive_failures == 1
    assert bad.next_attempt_at == now + timedelta(minutes=1)
    assert set(Post.objects.filter(source=bad).values_list("pk", flat=True)) == stored


def test_failures_back_off_exponentially_and_a_success_resets_them(world, feeds):
    bad = _source(world, feeds, "/malformed.xml")
    start = timezone.now()
    services.feeds_poll_due(now=start)
    assert services.feeds_poll_due(now=start + timedelta(seconds=30)) == []  # not due yet
    services.feeds_poll_due(now=start + timedelta(minutes=1))
    bad.refresh_from_db()
    assert bad.consecutive_failures == 2 and bad.next_attempt_at == start + timedelta(minutes=3)
    services.feeds_poll_due(now=start + timedelta(minutes=3))
    bad.refresh_from_db()
    assert bad.consecutive_failures == 3 and bad.next_attempt_at == start + timedelta(minutes=7)
    feeds.serve("/malformed.xml", RSS)
    services.feeds_poll_due(now=start + timedelta(minutes=7))
    bad.refresh_from_db()
    assert (bad.consecutive_failures, bad.last_error) == (0, "")
    assert bad.next_attempt_at == start + timedelta(minutes=7 + bad.poll_minutes)


def test_an_item_beyond_the_size_limit_is_skipped_and_named_while_the_others_are_stored(world, feeds):
    source = _source(world, feeds, "/long-item.xml")
    result = services.source_poll(source=source)
    assert result.ok and result.created == 1
    source.refresh_from_db()
    assert "item rss-2 has 5237 characters, more than the limit of 2000" in source.last_error
    assert source.consecutive_failures == 0


def test_polling_again_stores_nothing_twice(world, feeds):
    source = _source(world, feeds, "/rss.xml")
    services.source_poll(source=source)
    again = services.source_poll(source=source)
    assert (again.created, again.duplicates) == (0, 2)
    assert Post.objects.filter(source=source).count() == 2


def test_the_xml_reader_never_expands_entities():
    with pytest.raises(FeedError, match="DTD"):
        parse_feed(b'<?xml version="1.0"?>\n<!doctype rss SYSTEM "file:///etc/passwd"><rss/>')
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>hello</body></html>")
