"""The redirect guard: a public feed's link is never redirected to a private host."""
import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawler.middlewares import PrivateRedirect, PrivateRedirectGuard
from newscrawler.spiders.news import fetch_failure_reason
from tests.conftest import rss_feed
from tests.test_spider_bbc import make_spider, requests_from_feed

GUARDED = {PrivateRedirectGuard.META_KEY: True}


def guard():
    return PrivateRedirectGuard.from_crawler(get_crawler())


def redirected(url: str, **meta) -> Request:
    return Request(url, meta={"redirect_urls": ["https://www.bbc.co.uk/news/uk-10000001"], **meta})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://10.0.0.1/news/uk-1", "http://[::1]/a",
                                 "http://169.254.169.254/latest/meta-data", "http://localhost/news"])
def test_redirect_of_a_guarded_link_to_a_private_host_is_refused(url, caplog):
    middleware = guard()
    with pytest.raises(PrivateRedirect):
        middleware.process_request(redirected(url, **GUARDED))
    assert middleware.stats.get_value("newscrawler/pages/redirects_refused/private_address") == 1
    assert f"Refusing a redirect to a private host: {url}" in caplog.text


def test_redirects_to_public_hosts_and_unguarded_requests_pass():
    middleware = guard()
    assert middleware.process_request(redirected("https://www.bbc.com/news/articles/c1", **GUARDED)) is None
    assert middleware.process_request(redirected("http://127.0.0.1:8000/x")) is None  # a local feed's link
    assert middleware.process_request(Request("http://127.0.0.1:8000/x", meta=GUARDED)) is None  # no redirect


def test_links_of_public_feeds_are_guarded_and_of_local_feeds_not():
    links = ["https://www.bbc.co.uk/news/uk-10000001"]
    [public] = requests_from_feed(make_spider(), rss_feed(links), url="https://feeds.bbci.co.uk/news/rss.xml")
    assert public.meta[PrivateRedirectGuard.META_KEY] is True
    [local] = requests_from_feed(make_spider(), rss_feed(links), url="http://127.0.0.1:8000/rss.xml")
    assert local.meta[PrivateRedirectGuard.META_KEY] is False


def test_refused_redirect_is_a_failed_check_reason():
    failure = Failure(PrivateRedirect("redirect to a private host refused"))
    assert fetch_failure_reason(failure) == "private_redirect"
