"""Reading fetched feeds defensively: entry links out of RSS or Atom documents,
and which of those links may be followed.

Feeds come from the network and may be anything: truncated or garbage bytes,
an HTML page, an entity expansion or external entity attack, 100,000 entries.
Scrapy's `xmliter_lxml` parses with `huge_tree=True` and raises on the first
error, so feeds are parsed here instead, by a parser that never expands or
fetches entities, keeps libxml2's size and depth limits, and recovers what it
can from slightly broken XML. Nothing here fetches, logs or counts: the spider
reports what `read_feed()` and `link_refusal()` say.
"""
import ipaddress
import socket
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urlsplit

from lxml import etree

from newscrawler.urls import is_web_url

ENTRY_TAGS = ("{*}item", "{*}entry")  # RSS 0.9x/1.0/2.0 items, Atom entries
FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
ATOM_ENTRY_LINK_RELS = frozenset({None, "alternate"})
SAFE_PARSING = dict(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
    recover=True, remove_comments=True, remove_pis=True,
)

# Feed problems, by stats key. Feeds with any of these but MALFORMED are not used at all.
EMPTY, NOT_XML, HTML, NOT_A_FEED, ENTITIES, MALFORMED = (
    "empty", "not_xml", "html", "not_a_feed", "entity_declarations", "malformed")

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Feed:
    """What one feed document gave."""
    links: list[str] = field(default_factory=list)  # of the first entries, as written (may be relative)
    entries: int = 0  # all entries in the document, used or not
    entries_without_link: int = 0
    entries_over_limit: int = 0
    problem: str | None = None  # one of the problem keys above
    detail: str = ""  # what exactly was wrong, for the log

    @property
    def usable(self) -> bool:
        return self.problem in (None, MALFORMED)


def read_feed(body: bytes, max_entries: int) -> Feed:
    """The entry links of an RSS or Atom document, at most max_entries of them."""
    body = body.lstrip()  # whitespace before an XML declaration is an error
    if not body:
        return Feed(problem=EMPTY, detail="no content")
    feed = Feed()
    events = etree.iterparse(BytesIO(body), events=("end",), tag=ENTRY_TAGS, **SAFE_PARSING)
    try:
        for _, entry in events:
            _add_entry(feed, entry, max_entries)
            entry.clear()
    except etree.XMLSyntaxError as error:  # recover mode raises only when there is no document
        return Feed(problem=NOT_XML, detail=str(error))
    return _checked(feed, events.root, events.error_log.filter_from_errors())


def _add_entry(feed: Feed, entry, max_entries: int) -> None:
    feed.entries += 1
    if feed.entries > max_entries:
        feed.entries_over_limit += 1
        return
    link = _entry_link(entry)
    if link:
        feed.links.append(link)
    else:
        feed.entries_without_link += 1


def _entry_link(entry) -> str | None:
    """RSS `<link>URL</link>` or Atom `<link href="URL"/>` (the alternate one)."""
    for child in entry:
        if isinstance(child.tag, str) and etree.QName(child).localname == "link":
            href = child.get("href")
            if href is None:
                return child.xpath("string()").strip() or None
            if child.get("rel") in ATOM_ENTRY_LINK_RELS:
                return href.strip() or None
    return None


def _checked(feed: Feed, root, errors) -> Feed:
    """feed as read, unless the document as a whole is not a feed to use."""
    if root is None:
        return Feed(problem=NOT_XML, detail=_first_error(errors) or "no XML element")
    entities = _declared_entities(root)
    if entities:
        # Never expanded, but a feed that declares entities is an attack or broken.
        return Feed(problem=ENTITIES, detail="declares entities " + ", ".join(entities[:5]))
    name = etree.QName(root).localname
    if name.lower() == "html":
        return Feed(problem=HTML, detail="an HTML page")
    if name not in FEED_ROOTS:
        return Feed(problem=NOT_A_FEED, detail=f"XML with root element <{name}>, not RSS or Atom")
    if errors:
        feed.problem, feed.detail = MALFORMED, _first_error(errors)
    return feed


def _declared_entities(root) -> list[str]:
    dtd = root.getroottree().docinfo.internalDTD
    return [entity.name for entity in dtd.iterentities()] if dtd is not None else []


def _first_error(errors) -> str:
    return f"line {errors[0].line}: {errors[0].message}" if errors else ""


def link_refusal(url: str, feed_url: str, private_allowed: bool = False) -> str | None:
    """Why the link `url` found in the feed at `feed_url` must not be fetched, or
    None if it may be: "not_http", "invalid", or "private_address" for a loopback,
    private-network or link-local host other than the feed's own host and port.

    The same rule judges every redirect hop, with the first URL of the chain as
    `feed_url` (newscrawler.middlewares). A local (file:) feed is trusted to link
    to any host, as is every feed with private_allowed; `url` should be absolute
    and canonical, as it will be requested. Hosts are judged by their text here;
    names that resolve to private addresses are refused when the connection is
    made (newscrawler.resolver)."""
    try:
        if not is_web_url(url):
            return "not_http"
        link, feed = urlsplit(url), urlsplit(feed_url)
        if not link.hostname:
            return "invalid"
        if private_allowed or feed.scheme == "file" or _host_and_port(link) == _host_and_port(feed):
            return None
    except ValueError:  # e.g. a port out of range
        return "invalid"
    return "private_address" if is_private_host(link.hostname) else None


def host_and_port(url: str) -> tuple[str | None, int | None]:
    """The host and port a web URL connects to (the scheme's default port if none is written)."""
    return _host_and_port(urlsplit(url))


def _host_and_port(parts) -> tuple[str | None, int | None]:
    return parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme)


def is_private_host(host: str) -> bool:
    """Whether a URL's host names this machine or a non-public network.

    By the literal only, no DNS lookup: "localhost" and its subdomains, and IP
    addresses that are not globally routable, including the short IPv4 forms
    (127.1, 2130706433, 0x7f.1) that resolvers accept."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = ip_literal(host)
    if address is None:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return not address.is_global


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP address stands for (in any form resolvers accept), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None
