"""The spider's callbacks, for the bbc source,, called directly on responses built from bytes (no crawl).

The helpers here are shared by test_bad_feeds.py and test_bad_pages.py.
"""
import asyncio
from datetime import datetime, timezone

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawler.items import FAILED, GONE, UNCHANGED, ArticleItem, CheckItem
from newscrawler.rechecks import NONE
from newscrawler.spiders import news
from newscrawler.spiders.news import SPIDERS, SourceSpider, fetch_failure_reason, page_hash
from newscrawler.storage import StorageUnavailable
from tests.conftest import FIXTURES, rss_feed

FEED_URL = "http://127.0.0.1:8000/feed.xml"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RSS_FIXTURES = FIXTURES / "bbc" / "rss"
PAGES = FIXTURES / "bbc" / "pages"
BBC_SPIDER = SPIDERS["bbc"]


def make_spider(**settings) -> SourceSpider:
    crawler = get_crawler(BBC_SPIDER, {"NEWSCRAWLER_NOW": NOW.isoformat(), **settings})
    return BBC_SPIDER.from_crawler(crawler, recheck=NONE)


def stats(spider: SourceSpider) -> dict:
    """The spider's newscrawler/ counters."""
    return {key: value for key, value in spider.crawler.stats.get_stats().items() if key.startswith("newscrawler/")}


def feed_response(body: bytes, url: str = FEED_URL, response_class=XmlResponse, **meta) -> Response:
    return response_class(url, body=body, request=Request(url, meta=meta))


def requests_from_feed(spider: SourceSpider, body: bytes, url: str = FEED_URL, **meta) -> list[Request]:
    return spider.entry_requests(feed_response(body, url, **meta))


def page_response(url: str, body: bytes, content_type: str | None = "text/html", status: int = 200,
                  response_class=HtmlResponse) -> Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return response_class(url, body=body, status=status, headers=headers, request=Request(url))


def parse_page(spider: SourceSpider, response: Response) -> list:
    return list(spider.parse_article(response, article_id=response.url, feed_url=FEED_URL, source="bbc"))


def failure_of(spider: SourceSpider, error: Exception, url: str) -> Failure:
    """A failed download of an article request, as an errback gets it."""
    failure = Failure(error)
    failure.request = spider.article_request(url, spider.source, feed_url=None)
    return failure


def test_feed_entries_become_article_requests_for_canonical_urls():
    spider = make_spider()
    requests = requests_from_feed(spider, (RSS_FIXTURES / "bbc_news_2024_format.xml").read_bytes(),
                                  url="https://feeds.bbci.co.uk/news/rss.xml")
    assert [r.url for r in requests] == [
        "https://www.bbc.co.uk/news/articles/cden3j9d1r7o",
        "https://www.bbc.co.uk/news/health-54528983",
        "https://www.bbc.co.uk/news/av/uk-england-dorset-61896381",
    ]
    first = requests[0]
    assert first.callback == spider.parse_article and first.errback == spider.article_failed
    assert first.cb_kwargs == {"article_id": first.url, "feed_url": "https://feeds.bbci.co.uk/news/rss.xml",
                              "source": "bbc"}
    assert first.meta["handle_httpstatus_list"] == [304, 404, 410]
    assert stats(spider) == {
        "newscrawler/feed/article_links": 3,
        "newscrawler/pages/skipped/live": 1,
        "newscrawler/feed/links_skipped/duplicate": 1,  # the first entry again, with a #comments fragment
    }


def test_old_feed_redirect_links_are_unwrapped():
    spider = make_spider()
    requests = requests_from_feed(spider, (RSS_FIXTURES / "bbc_uk_politics_2009.xml").read_bytes(),
                                  url="http://newsrss.bbc.co.uk/rss/newsonline_uk_edition/uk_politics/rss.xml")
    assert requests and all(r.url.startswith("https://news.bbc.co.uk/1/hi/") for r in requests)
    assert not any("/go/rss/" in r.url for r in requests)


def test_feed_requests_go_to_parse_feed():
    spider = BBC_SPIDER.from_crawler(get_crawler(BBC_SPIDER), feeds=f"{FEED_URL}, http://127.0.0.1:8000/b.xml",
                                    recheck=NONE)

    async def collect():
        return [request async for request in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests] == [FEED_URL, "http://127.0.0.1:8000/b.xml"]
    assert all(r.callback == spider.parse_feed and r.errback == spider.feed_failed and r.dont_filter
               for r in requests)


def test_max_entries_comes_from_settings():
    spider = make_spider(NEWSCRAWLER_FEED_MAX_ENTRIES=2)
    links = [f"http://127.0.0.1:8000/news/uk-{n}" for n in range(10000000, 10000005)]
    assert len(requests_from_feed(spider, rss_feed(links))) == 2
    assert stats(spider)["newscrawler/feed/entries_skipped/over_limit"] == 3


def test_article_page_becomes_an_article_item():
    spider = make_spider()
    url = "https://www.bbc.co.uk/news/health-54528983"
    [item] = parse_page(spider, page_response(url, (PAGES / "54528983.html").read_bytes()))
    assert isinstance(item, ArticleItem)
    assert item.body and item.fetched_at == NOW and item.feed_url == FEED_URL


def test_gone_page_becomes_a_gone_check():
    spider = make_spider()
    url = "https://www.bbc.co.uk/news/uk-12345678"
    [check] = parse_page(spider, page_response(url, b"<html><body>Not found</body></html>", status=404))
    assert isinstance(check, CheckItem) and check.outcome == GONE and check.http_status == 404


@pytest.mark.parametrize("error, reason", [
    (DownloadCancelledError("Expected to receive 20000000 bytes which is larger than download max size"),
     "too_large"),
    (DownloadCancelledError(""), "too_large"),
    (IgnoreRequest("max redirections reached"), "too_many_redirects"),
    (IgnoreRequest("Forbidden by robots.txt"), "fetch_failed"),
    (DownloadTimeoutError("took longer than 30 seconds"), "fetch_failed"),
])
def test_fetch_failures_are_told_apart(error, reason):
    assert fetch_failure_reason(Failure(error)) == reason


def test_failed_fetch_becomes_a_failed_check_with_a_counter(caplog):
    spider = make_spider()
    failure = failure_of(spider, DownloadCancelledError("larger than max size"), "https://www.bbc.co.uk/news/uk-12345678")
    check = spider.article_failed(failure)
    assert check.outcome == FAILED and check.reason == "too_large"
    assert check.article_id == "https://www.bbc.co.uk/news/uk-12345678"
    assert stats(spider) == {"newscrawler/pages/checked": 1, "newscrawler/pages/failed/too_large": 1}
    assert "not stored: https://www.bbc.co.uk/news/uk-12345678" in caplog.text


def test_article_requested_by_a_recheck_is_a_duplicate_in_a_feed():
    spider = make_spider()
    url = "https://www.bbc.co.uk/news/uk-12345678"
    spider.article_request(url, spider.source, feed_url=None)
    assert requests_from_feed(spider, rss_feed([url + "?at_medium=RSS"])) == []
    assert stats(spider)["newscrawler/feed/links_skipped/duplicate"] == 1


def start_requests(spider: SourceSpider) -> list[Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_recheck_of_an_article_already_requested_from_a_feed_is_not_repeated():
    spider = make_spider()
    url = "https://www.bbc.co.uk/news/uk-12345678"
    spider.feed_urls = [FEED_URL]
    spider.rechecks.claim = lambda *args: [{"url": url}, {"url": "https://www.bbc.co.uk/news/uk-87654321"}]
    requests_from_feed(spider, rss_feed([url]))
    # its lease is kept, not released early: the feed's fetch is the claim's, and its check releases it
    assert [r.url for r in start_requests(spider)] == [FEED_URL, "https://www.bbc.co.uk/news/uk-87654321"]


# What the spider knows of tracked articles before fetching them

def parse_feed_with_database(spider: SourceSpider, body: bytes) -> list[Request]:
    async def collect():
        return [request async for request in spider.parse_feed(feed_response(body))]

    return asyncio.run(collect())


def test_feed_requests_for_tracked_articles_are_conditional_and_know_their_page():
    spider = make_spider()
    tracked, untracked = "https://www.bbc.co.uk/news/uk-12345678", "https://www.bbc.co.uk/news/uk-87654321"
    looked_up = []

    def known_pages(article_ids):
        looked_up.append(article_ids)
        return {tracked: {"_id": tracked, "etag": '"v1"', "last_modified": "Sun, 01 Mar 2026 11:00:00 GMT",
                          "page_hash": "hash-of-v1"}}

    spider.rechecks.known_pages = known_pages
    first, second = parse_feed_with_database(spider, rss_feed([tracked, untracked]))
    assert looked_up == [[tracked, untracked]]  # one lookup for a batch of entries
    assert first.headers["If-None-Match"] == b'"v1"'
    assert first.headers["If-Modified-Since"] == b"Sun, 01 Mar 2026 11:00:00 GMT"
    assert first.cb_kwargs["known"]["page_hash"] == "hash-of-v1"
    assert "If-None-Match" not in second.headers and "known" not in second.cb_kwargs


def test_claimed_feed_entries_are_fetched_and_the_others_left_to_their_crawl():
    spider = make_spider(NEWSCRAWLER_CLAIM_FEED_ENTRIES=True)
    tracked, untracked, elsewhere = (f"https://www.bbc.co.uk/news/uk-{n}" for n in (12345678, 87654321, 11223344))
    spider.rechecks.known_pages = lambda article_ids: {tracked: {"_id": tracked, "etag": '"v1"'}, untracked: None}
    first, second = parse_feed_with_database(spider, rss_feed([tracked, elsewhere, untracked]))
    assert (first.url, second.url) == (tracked, untracked)
    assert first.headers["If-None-Match"] == b'"v1"' and "known" not in second.cb_kwargs
    assert stats(spider)["newscrawler/feed/links_skipped/claimed"] == 1


def test_feed_articles_are_fetched_in_full_when_the_database_cannot_say(caplog):
    spider = make_spider()

    def database_away(article_ids):
        raise StorageUnavailable("connection refused")

    spider.rechecks.known_pages = database_away
    links = [f"https://www.bbc.co.uk/news/uk-{10000000 + n}" for n in range(250)]
    requests = parse_feed_with_database(spider, rss_feed(links))
    assert [r.url for r in requests] == links
    assert stats(spider)["newscrawler/feed/known_pages_unavailable"] == 1  # asked once, not for every batch
    assert "could not read what is known of them (connection refused)" in caplog.text


def test_page_with_the_known_bytes_is_unchanged_without_extraction(monkeypatch):
    spider = make_spider()
    body = (PAGES / "6072486.stm.html").read_bytes()
    response = page_response("https://news.bbc.co.uk/1/hi/uk/6072486.stm", body)
    monkeypatch.setattr(news, "extract", lambda *args, **kwargs: pytest.fail("extracted a page known to be unchanged"))
    known = {"page_hash": page_hash(body, "text/html"), "interval_seconds": 2160.0}
    [check] = spider.parse_article(response, article_id=response.url, feed_url=None, source="bbc", known=known)
    assert isinstance(check, CheckItem) and check.outcome == UNCHANGED and check.interval_seconds == 2160.0
    assert check.page_hash == page_hash(body, "text/html") and check.http_status == 200
    assert stats(spider) == {"newscrawler/pages/checked": 1, "newscrawler/pages/same_as_stored": 1}


def test_page_with_other_bytes_is_extracted_and_carries_its_hash():
    spider = make_spider()
    body = (PAGES / "6072486.stm.html").read_bytes()
    response = page_response("https://news.bbc.co.uk/1/hi/uk/6072486.stm", body, content_type="text/html")
    [item] = spider.parse_article(response, article_id=response.url, feed_url=None, source="bbc",
                                  known={"page_hash": "older page", "interval_seconds": 1800.0})
    assert isinstance(item, ArticleItem) and item.page_hash == page_hash(body, "text/html")


def test_page_hash_depends_on_the_bytes_and_the_declared_charset():
    body = (PAGES / "6072486.stm.html").read_bytes()
    assert page_hash(body, "text/html") == page_hash(body, " Text/HTML ")
    assert page_hash(body, "text/html") != page_hash(body + b" ", "text/html")
    assert page_hash(body, "text/html; charset=utf-8") != page_hash(body, "text/html; charset=cp1252")


def test_a_long_feed_is_looked_up_in_batches():
    spider = make_spider()
    links = [f"https://www.bbc.co.uk/news/uk-{10000000 + n}" for n in range(250)]
    batches = []
    spider.rechecks.known_pages = lambda article_ids: batches.append(article_ids) or {}
    requests = parse_feed_with_database(spider, rss_feed(links))
    assert [r.url for r in requests] == links
    assert [len(batch) for batch in batches] == [100, 100, 50] and sum(batches, []) == links
