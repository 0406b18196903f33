"""Feeds are fetched from public addresses only (server-side request forgery): every class of non-public address
is refused when a feed is saved and again at fetch time, redirects are re-checked hop by hop, and a name that
resolves differently later (DNS rebinding) gains nothing. No real network: literal addresses, a patched resolver
and the loopback test server (allowed only through KINWARD_WATCH_FEED_PRIVATE_HOSTS)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kinward.apps.watch import feeds as feed_module
from kinward.apps.watch import services
from kinward.apps.watch.feeds import BlockedAddress, FeedError, fetch
from kinward.apps.watch.models import Post, Source
from tests.apps.watch import helpers as wh
from tests.apps.watch.test_feeds import RSS, FeedServer
from tests.conftest import actor_of

PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def no_exceptions(settings):
    settings.WATCH_FEED_PRIVATE_HOSTS = []
    settings.WATCH_FEED_TIMEOUT_SECONDS = 2


@pytest.fixture
def resolver(monkeypatch):
    """A fake DNS: `resolver.names[name] = [addresses, ...]` (one list per successive lookup; the last repeats)."""

    class Resolver:
        def __init__(self):
            self.names: dict[str, list[list[str]]] = {}
            self.lookups: list[str] = []

        def __call__(self, host, port):
            self.lookups.append(host)
            answers = self.names.get(host)
            if not answers:
                raise OSError(f"[Errno -2] Name or service not known: {host}")
            return answers.pop(0) if len(answers) > 1 else answers[0]

    fake = Resolver()
    monkeypatch.setattr(feed_module, "resolve_host", fake)
    return fake


@pytest.fixture
def server():
    running = FeedServer()
    running.thread.start()
    running.serve("/rss.xml", RSS)
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def _create(world, url: str) -> Source:
    return services.source_create(actor=actor_of(world.people["analyst"]), name="Feed", url=url)


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("10.20.30.40", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "an address that is not public"),
        ("[::1]", "a loopback address"),
        ("[fe80::1]", "a link-local address"),
        ("[fc00::7]", "a private address"),
        ("[ff02::1]", "a multicast address"),
        ("[::]", "an unspecified address"),
        ("[::ffff:127.0.0.1]", "a loopback address (127.0.0.1 inside ::ffff:"),
        ("[::ffff:10.0.0.1]", "a private address (10.0.0.1 inside ::ffff:"),
        ("[2002:a9fe:a9fe::1]", "a link-local address (169.254.169.254 inside 2002:a9fe:a9fe::1)"),
    ],
)
def test_a_feed_at_a_non_public_address_is_refused_when_saved_and_nothing_is_stored(world, host, problem):
    with pytest.raises(ValidationError) as refused:
        _create(world, f"http://{host}:8080/feed.xml")
    message = refused.value.message_dict["url"][0]
    assert problem in message and "feeds are fetched only from public addresses" in message
    assert not Source.objects.exists()


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "feeds.localhost"])
def test_localhost_names_are_refused_without_asking_the_resolver(world, resolver, host):
    with pytest.raises(ValidationError, match="is this machine"):
        _create(world, f"http://{host}/feed.xml")
    assert resolver.lookups == []


def test_a_name_that_resolves_to_a_private_address_is_refused_and_a_public_one_accepted(world, resolver):
    resolver.names["intranet.example"] = [["192.168.0.10"]]
    resolver.names["mixed.example"] = [[PUBLIC, "10.0.0.3"]]
    resolver.names["news.example"] = [[PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]]
    with pytest.raises(
        ValidationError, match=r"intranet.example resolves to a private address \(192.168.0.10\)"
    ):
        _create(world, "https://intranet.example/rss")
    with pytest.raises(ValidationError, match=r"a private address \(10.0.0.3\)"):
        _create(world, "https://mixed.example/rss")
    assert _create(world, "https://news.example/rss").url == "https://news.example/rss"


def test_only_http_and_https_are_accepted(world):
    for url in ("ftp://news.example/feed.xml", "file:///etc/passwd", "gopher://news.example/"):
        with pytest.raises(ValidationError, match="http:// or https://"):
            _create(world, url)
        with pytest.raises(FeedError, match=r"only http:// and https://"):
            fetch(url, timeout=1, max_bytes=1000)


def test_a_name_that_does_not_resolve_yet_is_saved_and_checked_at_each_fetch(world, resolver):
    source = _create(world, "https://not-yet.example/feed.xml")
    result = services.source_poll(source=source)
    assert not result.ok and "could not connect" in result.error


def test_dns_rebinding_after_saving_is_refused_at_fetch_time(world, resolver, server):
    port = server.httpd.server_address[1]
    resolver.names["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    source = _create(world, f"http://rebind.example:{port}/rss.xml")
    result = services.source_poll(source=source)
    assert not result.ok
    assert "rebind.example resolves to a loopback address (127.0.0.1)" in result.error
    source.refresh_from_db()
    assert "loopback" in source.last_error and source.consecutive_failures == 1
    assert not Post.objects.exists()


def test_the_connection_goes_to_the_checked_address_not_to_a_new_answer(resolver, server):
    """The name is public when checked before the request, loopback when the connection is made: refused."""
    port = server.httpd.server_address[1]
    resolver.names["flip.example"] = [[PUBLIC], ["127.0.0.1"]]
    with pytest.raises(BlockedAddress, match="loopback"):
        fetch(f"http://flip.example:{port}/rss.xml", timeout=2, max_bytes=100_000)
    assert resolver.lookups == ["flip.example", "flip.example"]


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("http://10.0.0.7/feed.xml", "a private address (10.0.0.7)"),
        ("http://[::ffff:169.254.169.254]/latest/meta-data/", "a link-local address"),
        ("http://metadata.example/computeMetadata/", "a link-local address (169.254.169.254)"),
        ("http://localhost:{port}/rss.xml", "is this machine"),
    ],
)
def test_every_redirect_hop_is_checked_again(world, settings, resolver, server, location, problem):
    settings.WATCH_FEED_PRIVATE_HOSTS = ["127.0.0.1"]  # the first hop, the test server, is allowed
    resolver.names["metadata.example"] = [["169.254.169.254"]]
    port = server.httpd.server_address[1]
    server.serve("/moved", b"", status=302, Location=location.format(port=port))
    source = wh.source(world.police, url=server.url("/moved"))
    result = services.source_poll(source=source)
    assert not result.ok
    assert result.error.startswith("redirect to ") and problem in result.error


def test_a_redirect_to_an_allowed_host_is_followed(world, settings, server):
    settings.WATCH_FEED_PRIVATE_HOSTS = "127.0.0.1"
    server.serve("/moved", b"", status=301, Location=server.url("/rss.xml"))
    result = services.source_poll(source=wh.source(world.police, url=server.url("/moved")))
    assert result.ok and result.created == 2


def test_an_old_source_at_a_private_address_fails_its_poll_clearly_and_others_keep_working(
    world, settings, server
):
    settings.WATCH_FEED_PRIVATE_HOSTS = ["127.0.0.1"]
    working = wh.source(world.police, url=server.url("/rss.xml"))
    blocked = wh.source(world.police, url="http://192.168.7.7/feed.xml")
    results = {r.source_id: r for r in services.feeds_poll_due()}
    assert results[working.pk].ok and results[working.pk].created == 2
    assert not results[blocked.pk].ok and "a private address (192.168.7.7)" in results[blocked.pk].error


def test_the_setting_lists_hosts_addresses_and_networks(world, resolver, settings):
    settings.WATCH_FEED_PRIVATE_HOSTS = "10.0.0.0/8, feeds.lan ,[fd00::5]"
    resolver.names["feeds.lan"] = [["192.168.1.5"]]
    resolver.names["other.lan"] = [["192.168.1.5"]]
    assert _create(world, "http://10.1.2.3/feed.xml").pk
    assert _create(world, "http://feeds.lan/feed.xml").pk
    assert _create(world, "http://[fd00::5]/feed.xml").pk
    with pytest.raises(ValidationError, match="other.lan resolves to a private address"):
        _create(world, "http://other.lan/feed.xml")
    with pytest.raises(ValidationError, match="a private address"):
        _create(world, "http://172.16.0.1/feed.xml")
