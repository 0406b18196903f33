"""Fetching and reading feeds: RSS 2.0, Atom (RFC 4287) and JSON Feed 1.1, safely.

Fetching has a timeout, a size limit and a redirect limit, and only follows http(s). Feeds are fetched only from
public addresses (server-side request forgery): a host that resolves to a loopback, private, link-local,
multicast, reserved or unspecified address (IPv4 or IPv6, IPv4 inside IPv6 too), or a `localhost` name, is
refused when the feed is saved (`feed_url_check`) and again at every connection, redirects included: the
connection goes to the very address that was checked, so a name that resolves differently the second time (DNS
rebinding) gains nothing. `KINWARD_WATCH_FEED_PRIVATE_HOSTS` lists the exceptions (tests, local deployments).
Environment proxies are not used. XML is parsed with the standard library's expat after refusing any document
type declaration or entity declaration (the way to billion-laughs and external-entity attacks), so no entity is
ever expanded. Every problem raises `FeedError` with a message an analyst can act on; nothing here touches the
database.
"""

from __future__ import annotations

import html
import http.client
import ipaddress
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from xml.etree import ElementTree

from django.conf import settings

MAX_REDIRECTS = 5
USER_AGENT = "Kinward-watch/1 (+https://kinward.local)"
_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


class FeedError(Exception):
    """The feed could not be fetched or read; the message says what went wrong."""


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed in the form the importer stores."""

    external_id: str
    text: str
    url: str = ""
    published_at: datetime | None = None
    lang: str = ""


class BlockedAddress(FeedError):
    """The feed's host is not a public address (and is not listed in KINWARD_WATCH_FEED_PRIVATE_HOSTS)."""


# --- public addresses only -----------------------------------------------------------------------------------


def private_hosts_allowed() -> tuple[str, ...]:
    """The hosts, addresses and networks (CIDR) a feed may use although they are not public, from the setting
    `WATCH_FEED_PRIVATE_HOSTS` (from the environment variable `KINWARD_WATCH_FEED_PRIVATE_HOSTS`; a list, or a
    comma-separated string)."""
    value = getattr(settings, "WATCH_FEED_PRIVATE_HOSTS", ())
    if isinstance(value, str):
        value = value.split(",")
    return tuple(entry.strip().lower().strip("[]") for entry in value if entry and entry.strip())


def _allowed(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    for entry in private_hosts_allowed():
        if entry == host:
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why `address` is not a public Internet address ('' when it is one). IPv4 addresses carried inside IPv6
    (IPv4-mapped ::ffff:a.b.c.d, 6to4, Teredo) are judged by the IPv4 address they carry."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if inner is not None:
            problem = address_problem(inner)
            return f"{problem} ({inner} inside {address})" if problem else ""
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "an address that is not public"),
    )
    return next((problem for failed, problem in checks if failed), "")


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (DNS, hosts file), as strings; OSError when it does not resolve."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`: every address it resolves to must be public, or `host` (or the
    address) listed in KINWARD_WATCH_FEED_PRIVATE_HOSTS; otherwise BlockedAddress says which and why."""
    host = (host or "").lower().strip("[]")
    if not host:
        raise FeedError("the feed address has no host name")
    if (host == "localhost" or host.endswith(".localhost")) and not _allowed(host, None):
        raise BlockedAddress(
            f"the feed host {host} is this machine (a loopback name): feeds are fetched only from public "
            "addresses"
        )
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0])
        found = [str(literal)]
    except ValueError:
        found = resolve_host(host, port)
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        problem = address_problem(address)
        if problem and not _allowed(host, address):
            raise BlockedAddress(
                f"the feed host {host} resolves to {problem} ({address}): feeds are fetched only from public "
                "addresses"
            )
    return found


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedError("only http:// and https:// feed addresses are polled")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FeedError("the feed address has an invalid port") from None
    return parts.hostname or "", port


def feed_url_check(url: str) -> None:
    """Refuse a feed address that is not http(s) or whose host is not public (BlockedAddress / FeedError). A
    host name that does not resolve now is let through: it is checked again at every fetch."""
    host, port = _host_and_port(url)
    try:
        public_addresses(host, port)
    except OSError:
        pass


def _public_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *args):
    """socket.create_connection to a checked public address of the host, never to a fresh resolution."""
    host, port = address
    last_error: OSError | None = None
    for text in public_addresses(host, port):
        try:
            return socket.create_connection((text, port), timeout, source_address)
        except OSError as error:
            last_error = error
    raise last_error or OSError(f"no address to connect to for {host}")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 1

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://")):
            raise FeedError(f"redirect to a non-HTTP address refused: {newurl[:200]}")
        try:
            feed_url_check(newurl)
        except FeedError as refused:
            raise BlockedAddress(f"redirect to {newurl[:200]} refused: {refused}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, timeout: float, max_bytes: int) -> tuple[bytes, str]:
    """The body and content type at `url`, read with a timeout (per connect and per read) and at most
    `max_bytes` bytes, from public addresses only (each redirect re-checked, each connection made to the
    address that was checked); FeedError on anything else (HTTP errors, redirect loops, too large, too slow,
    a host that is not public)."""
    feed_url_check(url)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _PublicHTTPHandler, _PublicHTTPSHandler, _LimitedRedirects()
    )
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(
                    f"the feed is larger than the limit of {max_bytes} bytes ({declared} declared)"
                )
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FeedError(f"the feed is larger than the limit of {max_bytes} bytes")
            return body, response.headers.get("Content-Type", "")
    except FeedError:
        raise
    except urllib.error.HTTPError as error:
        if error.code in (301, 302, 303, 307, 308):
            raise FeedError(
                f"too many redirects or a redirect loop (HTTP {error.code}): {error.reason}"
            ) from None
        raise FeedError(f"the server answered HTTP {error.code} {error.reason}") from None
    except TimeoutError:
        raise FeedError(f"no answer within {timeout:g} seconds (timeout)") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise FeedError(f"no answer within {timeout:g} seconds (timeout)") from None
        raise FeedError(f"could not connect: {error.reason}") from None
    except (OSError, ValueError) as error:
        raise FeedError(f"could not read the feed: {error}") from None


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (tags, scripts and styles dropped, character references decoded)."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return re.sub(r"[ \t]+", " ", html.unescape("".join(parser.parts))).strip()


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def parse_xml_feed(body: bytes) -> list[FeedItem]:
    """Items of an RSS 2.0 or Atom document; DTDs and entity declarations are refused before parsing."""
    if _DTD_RE.search(body):
        raise FeedError("the feed declares a DTD or entities, which are refused (XML entity attacks)")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise FeedError(f"malformed XML: {error}") from None
    if root.tag == "rss" or root.tag.endswith("RDF"):
        return [_rss_item(item) for item in root.iter("item")]
    if root.tag == f"{_ATOM}feed":
        return [_atom_entry(entry) for entry in root.iter(f"{_ATOM}entry")]
    raise FeedError(f"not an RSS or Atom feed (root element <{root.tag}>)")


def _rss_item(item) -> FeedItem:
    title = item.findtext("title")
    body = item.findtext(_CONTENT) or item.findtext("description") or ""
    link = (item.findtext("link") or "").strip()
    guid = (item.findtext("guid") or "").strip() or link
    return FeedItem(
        external_id=guid[:300],
        text=_join(title, html_to_text(body)),
        url=link[:1000],
        published_at=_date(item.findtext("pubDate")),
    )


def _atom_entry(entry) -> FeedItem:
    link = ""
    for element in entry.findall(f"{_ATOM}link"):
        if element.get("rel", "alternate") == "alternate":
            link = element.get("href", "")
            break
    content = entry.find(f"{_ATOM}content")
    if content is None:
        content = entry.find(f"{_ATOM}summary")
    body = "" if content is None else "".join(content.itertext())
    if content is not None and content.get("type") in ("html", "xhtml"):
        body = html_to_text(body)
    title = entry.findtext(f"{_ATOM}title")
    entry_id = (entry.findtext(f"{_ATOM}id") or "").strip() or link
    published = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated")
    return FeedItem(
        external_id=entry_id[:300],
        text=_join(title, body),
        url=link[:1000],
        published_at=_date(published),
        lang=entry.get("{http://www.w3.org/XML/1998/namespace}lang", ""),
    )


def parse_json_feed(body: bytes) -> list[FeedItem]:
    """Items of a JSON Feed (https://jsonfeed.org/version/1.1)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FeedError(f"invalid JSON: {error}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        "https://jsonfeed.org/"
    ):
        raise FeedError("not a JSON Feed: the 'version' field must be a https://jsonfeed.org/version/... URL")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("invalid JSON Feed: 'items' must be a list")
    found = []
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            raise FeedError(f"invalid JSON Feed: item #{k} is not an object")
        text = item.get("content_text") or html_to_text(str(item.get("content_html") or ""))
        url = str(item.get("url") or "")
        found.append(
            FeedItem(
                external_id=str(item.get("id") or url)[:300],
                text=_join(item.get("title"), text),
                url=url[:1000],
                published_at=_date(item.get("date_published")),
                lang=str(item.get("language") or ""),
            )
        )
    return found


def parse_feed(body: bytes, content_type: str = "") -> list[FeedItem]:
    """Items of a feed, in whichever of the three formats it is (JSON when it starts with `{`)."""
    head = body.lstrip()[:1]
    if head == b"{" or "json" in content_type.lower():
        return parse_json_feed(body)
    return parse_xml_feed(body)
