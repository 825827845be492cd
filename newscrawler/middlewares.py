"""Downloader middlewares: the private-address policy at every hop, and quiet robots.txt failures.

Feed links to loopback or private-network hosts are refused when the feed is
read (`newscrawler.feedparsing.link_refusal`). `PrivateRedirectGuard`
applies the same rule to every redirect hop, with the first URL of the
redirect chain in the feed's place: a page may redirect to its own host and
port, or to a public host, never to another private one, whatever feed it
came from. `ResolverRefusals` turns a name that `newscrawler.resolver`
refused (it resolves to a private address) into a `PrivateAddress` refusal,
before the retry middleware would take it for a DNS error and try again.

`RobotsTxtFailure` makes a robots.txt that cannot be fetched one log line:
Scrapy's RobotsTxtMiddleware logs such a failure with its traceback.
"""
import logging
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http.request import NO_CALLBACK

from newscrawler.feedparsing import link_refusal
from newscrawler.resolver import refused_address

logger = logging.getLogger(__name__)


class PrivateAddress(IgnoreRequest):
    """A fetch that would reach this machine or a private network was refused."""


class PrivateRedirectGuard:
    """A redirect hop goes through every middleware again: this one comes
    before RobotsTxtMiddleware (100), so that the host of a refused hop is not
    even asked for its robots.txt."""

    def __init__(self, stats, private_allowed: bool):
        self.stats = stats
        self.private_allowed = private_allowed

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getbool("NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS"))

    def process_request(self, request, spider=None):
        redirect_urls = request.meta.get("redirect_urls")
        if self.private_allowed or not redirect_urls:
            return None
        if link_refusal(request.url, redirect_urls[0]) == "private_address":
            self.stats.inc_value("newscrawler/pages/redirects_refused/private_address")
            raise PrivateAddress(f"redirect from {redirect_urls[0]} to a private host refused: {request.url}")
        return None


class ResolverRefusals:
    """Before RetryMiddleware (550) in exception handling (a higher number)."""

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, CannotResolveHostError):
            address = refused_address(request.url)
            if address:
                host = urlsplit(request.url).hostname
                raise PrivateAddress(f"{host} resolves to a private address ({address}), refused")
        return None


class RobotsTxtUnavailable(IgnoreRequest):
    """robots.txt could not be fetched; the failure is logged already."""


class RobotsTxtFailure:
    """After RetryMiddleware (550) in exception handling: a robots.txt request
    that failed for good is logged in one line and given back as an
    IgnoreRequest, which RobotsTxtMiddleware takes quietly (its host's pages
    are then fetched as allowed, as Scrapy does for any robots.txt failure)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_exception(self, request, exception, spider=None):
        if not is_robots_request(request) or isinstance(exception, IgnoreRequest):
            return None
        self.stats.inc_value("newscrawler/robotstxt/unavailable")
        logger.warning("Could not fetch %s (%s), fetching its host's pages as allowed", request.url, exception)
        raise RobotsTxtUnavailable(str(exception))


def is_robots_request(request) -> bool:
    """Whether RobotsTxtMiddleware made this request."""
    return (request.callback is NO_CALLBACK and request.meta.get("dont_obey_robotstxt")
            and urlsplit(request.url).path == "/robots.txt")
