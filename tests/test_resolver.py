"""Names that resolve to this machine or a private network: refused when connecting, at every hop.

The crawls use a real hostname that this machine resolves to a loopback or
private address (its own name from /etc/hosts, usually), not a faked lookup.
"""
import socket

import pytest
from twisted.internet.address import IPv4Address, IPv6Address

from newscrawler import resolver
from newscrawler.feedparsing import is_private_host
from newscrawler.resolver import PublicAddressesOnly
from tests.conftest import SiteServer, article_page, rss_feed, run_crawl
from tests.test_spider_bbc import make_spider, requests_from_feed


def private_name() -> str:
    """A hostname, neither an IP address nor `localhost`, that resolves to a private address here."""
    for name in (socket.gethostname(), socket.getfqdn(), "localhost.localdomain"):
        try:
            address = socket.gethostbyname(name)
        except OSError:
            continue
        if name and not is_private_host(name) and is_private_host(address):
            return name
    pytest.skip("no hostname resolves to a loopback or private address on this machine")


@pytest.fixture
def other_service():
    """Another loopback service (standing in for the database's port): it must get no request."""
    with SiteServer() as server:
        yield server


def port_of(server) -> int:
    return server.server.server_address[1]


def serve_articles(site, *paths: str) -> list[str]:
    return [site.set_page(path, article_page(n)) for n, path in enumerate(paths, start=20)]


def redirect(site, path: str, location: str) -> str:
    return site.set_page(path, b"", status=302, headers={"Location": location})


def test_names_and_redirects_to_private_addresses_are_refused_from_a_loopback_feed(
        site, other_service, store, mongo_uri, database_name):
    name = private_name()
    [own_article] = serve_articles(site, "/news/uk-10000001")
    serve_articles(site, "/news/uk-10000002", "/news/uk-10000004")
    serve_articles(other_service, "/news/uk-10000006")
    links = [
        own_article,
        f"http://{name}:{port_of(site)}/news/uk-10000002",  # this very site, by a name for this machine
        redirect(site, "/news/uk-10000003", f"http://{name}:{port_of(site)}/news/uk-10000004"),
        redirect(site, "/news/uk-10000005", f"{other_service.base_url}/news/uk-10000006"),  # another loopback port
    ]
    feed_url = site.set_page("/feed.xml", rss_feed(links), "application/rss+xml")

    result = run_crawl(feed_url, mongo_uri, database_name)

    assert [article["_id"] for article in store.db.articles.find()] == [own_article]
    assert store.db.revisions.count_documents({}) == 1
    assert site.fetches("/news/uk-10000002") == site.fetches("/news/uk-10000004") == 0
    assert other_service.requests == []
    assert "'newscrawler/pages/failed/private_address': 3" in result.stderr
    assert f"{name} resolves to a private address" in result.stderr
    assert result.stderr.count("not stored: ") == 3  # one line each


def test_a_feed_named_by_a_private_name_may_reach_its_own_host_and_port_only(
        site, other_service, store, mongo_uri, database_name):
    name = private_name()
    serve_articles(site, "/news/uk-10000007")
    serve_articles(other_service, "/news/uk-10000008")
    own_article = f"http://{name}:{port_of(site)}/news/uk-10000007"
    links = [own_article, f"http://{name}:{port_of(other_service)}/news/uk-10000008"]
    site.set_page("/feed.xml", rss_feed(links), "application/rss+xml")

    result = run_crawl(f"http://{name}:{port_of(site)}/feed.xml", mongo_uri, database_name)

    assert [article["_id"] for article in store.db.articles.find()] == [own_article]
    assert other_service.requests == []
    assert "'newscrawler/pages/failed/private_address': 1" in result.stderr


class Receiver:
    def __init__(self):
        self.addresses, self.complete = [], False

    def resolutionBegan(self, resolution):
        pass

    def addressResolved(self, address):
        self.addresses.append(address.host)

    def resolutionComplete(self):
        self.complete = True


def resolve(*addresses, key=("name.example", 80)) -> Receiver:
    receiver = Receiver()
    filtering = PublicAddressesOnly(receiver, key)
    filtering.resolutionBegan(None)
    for address in addresses:
        filtering.addressResolved(address)
    filtering.resolutionComplete()
    return receiver


def test_only_public_addresses_are_passed_on(monkeypatch):
    monkeypatch.setattr(resolver, "_refused", {})
    mixed = resolve(IPv4Address("TCP", "127.0.0.1", 80), IPv4Address("TCP", "93.184.215.14", 80),
                    IPv6Address("TCP", "fe80::1", 80))
    assert mixed.addresses == ["93.184.215.14"] and mixed.complete
    assert resolver.refused_address("http://name.example/") is None
    private = resolve(IPv4Address("TCP", "10.0.0.7", 80), IPv6Address("TCP", "::1", 80))
    assert private.addresses == [] and private.complete
    assert resolver.refused_address("http://name.example/news") == "10.0.0.7"
    assert resolver.refused_address("http://name.example:8080/news") is None


def test_links_of_a_local_feed_file_may_resolve_to_private_addresses(tmp_path, monkeypatch):
    monkeypatch.setattr(resolver, "_reachable", set())
    link = "http://intranet.example:8080/news/uk-10000001"
    [request] = requests_from_feed(make_spider(), rss_feed([link]), url=(tmp_path / "feed.xml").as_uri())
    assert request.url == link
    assert ("intranet.example", 8080) in resolver._reachable
    requests_from_feed(make_spider(), rss_feed([link.replace("8080", "8081")]), url="http://127.0.0.1:8000/feed.xml")
    assert ("intranet.example", 8081) not in resolver._reachable  # a web feed's links are judged when connecting
