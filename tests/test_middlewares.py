"""The downloader middlewares: the private-address guard at every redirect hop, quiet robots.txt failures."""
import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawler import resolver
from newscrawler.middlewares import (PrivateAddress, PrivateRedirectGuard, ResolverRefusals, RobotsTxtFailure,
                                     RobotsTxtUnavailable)
from newscrawler.spiders.news import fetch_failure_reason


def guard(**settings):
    return PrivateRedirectGuard.from_crawler(get_crawler(settings_dict=settings))


def redirected(url: str, first: str = "https://www.bbc.co.uk/news/uk-10000001") -> Request:
    return Request(url, meta={"redirect_urls": [first]})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://10.0.0.1/news/uk-1", "http://[::1]/a",
                                 "http://169.254.169.254/latest/meta-data", "http://localhost/news"])
def test_redirect_from_a_public_page_to_a_private_host_is_refused(url):
    middleware = guard()
    with pytest.raises(PrivateAddress, match="to a private host refused"):
        middleware.process_request(redirected(url))
    assert middleware.stats.get_value("newscrawler/pages/redirects_refused/private_address") == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:27217/", "http://127.0.0.1:8001/news/uk-2",
                                 "http://localhost:8000/news/uk-2", "http://10.0.0.1:8000/"])
def test_redirect_from_a_loopback_page_to_another_private_host_or_port_is_refused(url):
    with pytest.raises(PrivateAddress):
        guard().process_request(redirected(url, first="http://127.0.0.1:8000/news/uk-1"))


def test_redirects_to_the_first_host_and_port_or_to_public_hosts_pass():
    middleware = guard()
    assert middleware.process_request(redirected("https://www.bbc.com/news/articles/c1")) is None
    assert middleware.process_request(redirected("http://127.0.0.1:8000/news/uk-2",
                                                 first="http://127.0.0.1:8000/news/uk-1")) is None
    assert middleware.process_request(Request("http://127.0.0.1:8001/x")) is None  # not a redirect
    allowing = guard(NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS=True)
    assert allowing.process_request(redirected("http://127.0.0.1:8001/x", first="http://127.0.0.1:8000/")) is None


def test_a_name_the_resolver_refused_is_a_refusal_not_a_dns_error(monkeypatch):
    monkeypatch.setitem(resolver._refused, ("intranet.example", 80), "10.1.2.3")
    middleware = ResolverRefusals()
    with pytest.raises(PrivateAddress, match=r"intranet.example resolves to a private address \(10.1.2.3\)"):
        middleware.process_exception(Request("http://intranet.example/news/uk-1"), CannotResolveHostError("no"))
    # other DNS errors, and the same name on another port, are left to the retry middleware
    assert middleware.process_exception(Request("http://intranet.example:8080/"), CannotResolveHostError()) is None
    assert middleware.process_exception(Request("http://nowhere.invalid/"), CannotResolveHostError()) is None


def test_refusal_is_a_failed_check_reason():
    assert fetch_failure_reason(Failure(PrivateAddress("redirect to a private host refused"))) == "private_address"


def robots_request(url: str = "http://feeds.example.invalid/robots.txt") -> Request:
    return Request(url, meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)


def test_failed_robots_txt_is_one_line_and_ignored(caplog):
    middleware = RobotsTxtFailure.from_crawler(get_crawler())
    with pytest.raises(RobotsTxtUnavailable):
        middleware.process_exception(robots_request(), CannotResolveHostError("DNS lookup failed"))
    assert middleware.stats.get_value("newscrawler/robotstxt/unavailable") == 1
    [record] = caplog.records
    assert record.getMessage() == ("Could not fetch http://feeds.example.invalid/robots.txt (DNS lookup failed), "
                                   "fetching its host's pages as allowed")
    assert record.exc_info is None


def test_other_requests_and_ignored_robots_are_left_alone():
    middleware = RobotsTxtFailure.from_crawler(get_crawler())
    assert middleware.process_exception(Request("http://a.example/robots.txt"), DownloadTimeoutError()) is None
    assert middleware.process_exception(robots_request(), IgnoreRequest()) is None
