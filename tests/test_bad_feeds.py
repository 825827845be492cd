"""Bad feeds: every one ends in a counter and a log line with the feed URL, never a crash.

Most tests call the spider's feed callback on a response built from bytes; a
few run whole crawls for the attacks (entity expansion, external entities,
links to private hosts) and a feed of 100,000 entries.
"""
import logging
import os
import threading
import time

import pytest
from scrapy.http import HtmlResponse

from newscrawler.feedparsing import is_private_host, read_feed
from tests.conftest import FIXTURES, rss_feed, run_crawl
from tests.test_spider_bbc import FEED_URL, RSS_FIXTURES, make_spider, requests_from_feed, stats

BAD = FIXTURES / "bad"
GOOD_FEED = (RSS_FIXTURES / "bbc_news_2024_format.xml").read_bytes()
PUBLIC_FEED_URL = "https://feeds.bbci.co.uk/news/rss.xml"


def article_link(n: int, base: str = "https://www.bbc.co.uk") -> str:
    return f"{base}/news/uk-{10000000 + n}"


def external_entities_feed(secret_file, site_url: str) -> bytes:
    text = (BAD / "external_entities.xml").read_text()
    return text.replace("SECRET_FILE_URL", secret_file.as_uri()).replace("SITE_URL", site_url).encode()


def compact_feed(entries: int) -> bytes:
    """A feed of many short entries with relative links (100,000 take about 4 MB)."""
    items = "".join(f"<item><link>/news/uk-{10000000 + n}</link></item>" for n in range(entries))
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


# Broken documents

def test_truncated_feed_uses_the_entries_before_the_cut(caplog):
    spider = make_spider()
    cut = GOOD_FEED.index(b"</item>", GOOD_FEED.index(b"</item>") + 1) + 30  # inside the third entry
    requests = requests_from_feed(spider, GOOD_FEED[:cut])
    assert [r.url for r in requests] == ["https://www.bbc.co.uk/news/articles/cden3j9d1r7o",
                                         "https://www.bbc.co.uk/news/health-54528983"]
    assert stats(spider)["newscrawler/feed/malformed"] == 1
    assert stats(spider)["newscrawler/feed/entries_without_link"] == 1  # the third, cut before its link
    assert f"using the 3 entries read: {FEED_URL}" in caplog.text


def test_unclosed_tags_are_recovered():
    spider = make_spider()
    requests = requests_from_feed(spider, (BAD / "unclosed_tags.xml").read_bytes())
    assert sorted(r.url for r in requests) == [article_link(11), article_link(12), article_link(13)]
    assert stats(spider)["newscrawler/feed/malformed"] == 1


@pytest.mark.parametrize("body, problem", [
    (b"", "empty"),
    (b" \r\n\t ", "empty"),
    (bytes(range(256)) * 64, "not_xml"),
    (b"\x1f\x8b\x08\x00" + os.urandom(2000), "not_xml"),  # a gzip stream served undecoded
    ((FIXTURES / "bbc" / "pages" / "54528983.html").read_bytes(), "html"),
    (b"<!DOCTYPE html><html><body><h1>Sorry, we couldn't find that page</h1>", "html"),
    (b'<?xml version="1.0"?><opml version="2.0"><body><outline/></body></opml>', "not_a_feed"),
    ((BAD / "billion_laughs.xml").read_bytes(), "entity_declarations"),
])
def test_unusable_document_gives_no_requests(body, problem, caplog):
    spider = make_spider()
    assert requests_from_feed(spider, body) == []
    assert stats(spider) == {f"newscrawler/feed/unusable/{problem}": 1}
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith(f"Feed not used, {problem} (") and FEED_URL in record.getMessage()


def test_html_response_class_makes_no_difference():
    spider = make_spider()
    body = b"<html><head><title>Login</title></head><body><form></form></body></html>"
    assert spider.entry_requests(HtmlResponse(FEED_URL, body=body)) == []
    assert stats(spider) == {"newscrawler/feed/unusable/html": 1}


def test_valid_feed_without_entries_is_reported(caplog):
    spider = make_spider()
    assert requests_from_feed(spider, rss_feed([])) == []
    assert stats(spider) == {"newscrawler/feed/without_entries": 1}
    assert f"Feed without entries: {FEED_URL}" in caplog.text


def test_entries_without_a_link_are_counted(caplog):
    spider = make_spider()
    body = rss_feed([article_link(1), "", "   "])
    assert len(requests_from_feed(spider, body)) == 1
    assert stats(spider)["newscrawler/feed/entries_without_link"] == 2
    assert f"2 feed entries without a link in {FEED_URL}" in caplog.text


# Entity attacks

def test_billion_laughs_is_refused_at_once():
    started = time.perf_counter()
    feed = read_feed((BAD / "billion_laughs.xml").read_bytes(), max_entries=1000)
    assert time.perf_counter() - started < 0.5
    assert feed.problem == "entity_declarations" and feed.links == []
    assert feed.detail.startswith("declares entities lol, lol1")


def test_external_entities_are_never_read_or_fetched(site, tmp_path):
    # A FIFO without a writer: a parser that opened the "secret" file would block for good.
    secret = tmp_path / "secret"
    os.mkfifo(secret)
    body = external_entities_feed(secret, site.base_url)
    spider = make_spider()
    outcome = {}
    reader = threading.Thread(target=lambda: outcome.update(requests=requests_from_feed(spider, body)),
                              daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "the parser opened the external entity's file"
    assert outcome["requests"] == [] and site.requests == []
    assert stats(spider) == {"newscrawler/feed/unusable/entity_declarations": 1}


# Size

def test_feed_of_100000_entries_is_bounded(caplog):
    spider = make_spider()
    started = time.perf_counter()
    requests = requests_from_feed(spider, compact_feed(100_000))
    assert time.perf_counter() - started < 10
    assert len(requests) == 1000
    assert stats(spider)["newscrawler/feed/entries_skipped/over_limit"] == 99_000
    assert stats(spider)["newscrawler/feed/article_links"] == 1000
    assert (f"Feed has 100000 entries, only the first 1000 used (NEWSCRAWLER_FEED_MAX_ENTRIES): {FEED_URL}"
            in caplog.text)


# Links

def test_relative_links_are_resolved_against_the_feed_url():
    spider = make_spider()
    feed_url = "http://127.0.0.1:8000/feeds/news.xml"
    links = ["/news/uk-10000001", "../news/uk-10000002", "//www.bbc.co.uk/news/uk-10000003"]
    requests = requests_from_feed(spider, rss_feed(links), url=feed_url)
    assert [r.url for r in requests] == [
        "http://127.0.0.1:8000/news/uk-10000001",
        "http://127.0.0.1:8000/news/uk-10000002",
        "https://www.bbc.co.uk/news/uk-10000003",
    ]


def test_non_web_links_are_skipped(caplog):
    spider = make_spider()
    links = ["file:///etc/passwd", "ftp://ftp.bbc.co.uk/news/uk-10000001", "javascript:alert(1)",
             "mailto:news@bbc.co.uk", "data:text/html,<h1>hi</h1>"]
    assert requests_from_feed(spider, rss_feed(links)) == []
    assert stats(spider) == {"newscrawler/feed/links_skipped/not_http": 5}
    assert f"Skipping feed link file:///etc/passwd (not_http) in {FEED_URL}" in caplog.text


def test_broken_links_are_skipped():
    spider = make_spider()
    links = ["http://[::1/news/uk-10000001", "http://[::1]:99999/news/uk-10000002"]
    assert requests_from_feed(spider, rss_feed(links)) == []
    assert stats(spider) == {"newscrawler/feed/links_skipped/invalid": 2}


PRIVATE_HOSTS = ["127.0.0.1:8000", "localhost", "news.localhost", "10.1.2.3", "172.16.0.9", "192.168.1.1",
                 "169.254.169.254", "[::1]", "[fc00::1]", "[fe80::1]", "[::ffff:127.0.0.1]", "0.0.0.0",
                 "2130706433", "127.1", "0x7f.0.0.1", "LOCALHOST."]


def test_remote_feed_cannot_lead_to_private_hosts(caplog):
    spider = make_spider()
    links = [f"http://{host}/news/uk-10000001" for host in PRIVATE_HOSTS] + [article_link(2)]
    requests = requests_from_feed(spider, rss_feed(links), url=PUBLIC_FEED_URL)
    assert [r.url for r in requests] == [article_link(2)]
    assert stats(spider)["newscrawler/feed/links_skipped/private_address"] == len(PRIVATE_HOSTS)
    assert (f"Skipping feed link http://169.254.169.254/news/uk-10000001 (private_address) in {PUBLIC_FEED_URL}"
            in caplog.text)


def test_feed_may_link_to_its_own_host_only():
    spider = make_spider()
    links = [article_link(1, "http://127.0.0.1:8000"), article_link(2, "http://127.0.0.1:8001"),
             article_link(3, "http://localhost:8000"), article_link(4, "http://10.0.0.1:8000")]
    requests = requests_from_feed(spider, rss_feed(links), url="http://127.0.0.1:8000/feed.xml")
    assert [r.url for r in requests] == [article_link(1, "http://127.0.0.1:8000")]
    assert stats(spider)["newscrawler/feed/links_skipped/private_address"] == 3


def test_redirected_feed_is_judged_by_the_url_asked_for():
    spider = make_spider()
    links = [article_link(1, "http://127.0.0.1:8000")]
    requests = requests_from_feed(spider, rss_feed(links), url="http://127.0.0.1:8000/feed.xml",
                                  redirect_urls=[PUBLIC_FEED_URL])
    assert requests == []
    assert stats(spider)["newscrawler/feed/links_skipped/private_address"] == 1


def test_local_feed_file_may_link_to_any_web_host(tmp_path):
    spider = make_spider()
    links = [article_link(1, "http://10.0.0.1:8080"), article_link(2, "http://localhost"), "file:///etc/passwd"]
    requests = requests_from_feed(spider, rss_feed(links), url=(tmp_path / "feed.xml").as_uri())
    assert [r.url for r in requests] == [article_link(1, "http://10.0.0.1:8080"), article_link(2, "http://localhost")]
    assert stats(spider)["newscrawler/feed/links_skipped/not_http"] == 1


def test_private_links_can_be_allowed_by_a_setting():
    spider = make_spider(NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS=True)
    links = [article_link(1, "http://127.0.0.1:8001"), article_link(2, "http://10.0.0.1"), "file:///etc/passwd"]
    requests = requests_from_feed(spider, rss_feed(links), url=PUBLIC_FEED_URL)
    assert [r.url for r in requests] == links[:2]
    assert stats(spider)["newscrawler/feed/links_skipped/not_http"] == 1


@pytest.mark.parametrize("host", PRIVATE_HOSTS[1:] + ["127.0.0.1"])
def test_private_hosts_are_recognised_by_their_literal(host):
    assert is_private_host(host.strip("[]").replace("[", ""))


@pytest.mark.parametrize("host", ["www.bbc.co.uk", "feeds.bbci.co.uk", "8.8.8.8", "172.32.0.1", "[2a00:1450::1]",
                                  "localhost.example.com", "10.example.com"])
def test_public_hosts_are_not_private(host):
    assert not is_private_host(host.strip("[]"))


def test_duplicate_entries_are_requested_and_counted_once():
    spider = make_spider()
    url = article_link(1)
    variants = [url, url, url + "?at_medium=RSS&at_campaign=rss", url.replace("www.bbc.co.uk", "www.bbc.com")]
    assert [r.url for r in requests_from_feed(spider, rss_feed(variants))] == [url]
    assert [r.url for r in requests_from_feed(spider, rss_feed([url, article_link(2)]), url=FEED_URL + "?2")] == [
        article_link(2)]
    assert stats(spider)["newscrawler/feed/article_links"] == 2
    assert stats(spider)["newscrawler/feed/links_skipped/duplicate"] == 4


def test_atom_entries_give_their_alternate_link():
    spider = make_spider()
    requests = requests_from_feed(spider, (BAD / "atom.xml").read_bytes(), url="https://www.bbc.co.uk/atom.xml")
    assert [r.url for r in requests] == [article_link(21), article_link(22)]
    assert stats(spider)["newscrawler/feed/entries_without_link"] == 1


# Whole crawls

def test_hostile_feeds_end_quickly_and_fetch_nothing(site, store, mongo_uri, database_name, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET")
    site.set_page("/xxe-entity", b"REMOTE", "text/plain")
    site.set_page("/xxe-dtd", b'<!ENTITY leaked "yes">', "application/xml-dtd")
    hostile = [
        site.set_page("/laughs.xml", (BAD / "billion_laughs.xml").read_bytes(), "application/rss+xml"),
        site.set_page("/xxe.xml", external_entities_feed(secret, site.base_url), "application/rss+xml"),
        site.set_page("/private.xml", rss_feed([
            f"http://localhost:{site.base_url.rsplit(':', 1)[1]}/news/uk-10000005",  # this very site, by name
            f"{secret.as_uri()}", "http://169.254.169.254/news/uk-10000006",
        ]), "application/rss+xml"),
    ]
    started = time.perf_counter()
    result = run_crawl(",".join(hostile), mongo_uri, database_name, "-s", "DOWNLOAD_TIMEOUT=5")
    assert time.perf_counter() - started < 30
    assert sorted(set(site.requests)) == ["/laughs.xml", "/private.xml", "/robots.txt", "/xxe.xml"]
    assert store.db.articles.count_documents({}) == 0 and store.db.revisions.count_documents({}) == 0
    assert "'newscrawler/feed/unusable/entity_declarations': 2" in result.stderr
    assert "'newscrawler/feed/links_skipped/private_address': 2" in result.stderr
    assert "'newscrawler/feed/links_skipped/not_http': 1" in result.stderr
    assert "SECRET" not in result.stderr


def test_feed_of_100000_entries_is_crawled_within_the_bound(site, mongo_uri, database_name):
    feed_url = site.set_page("/huge.xml", compact_feed(100_000), "application/rss+xml")
    started = time.perf_counter()
    result = run_crawl(feed_url, mongo_uri, database_name, "-s", "NEWSCRAWLER_FEED_MAX_ENTRIES=20")
    assert time.perf_counter() - started < 40
    article_fetches = [path for path in site.requests if path.startswith("/news/")]
    assert sorted(article_fetches) == [f"/news/uk-{10000000 + n}" for n in range(20)]
    assert "'newscrawler/feed/entries_skipped/over_limit': 99980" in result.stderr
    assert "only the first 20 used" in result.stderr
