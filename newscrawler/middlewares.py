"""Downloader middleware: a public feed's link must not be redirected to a private host.

Feed links to loopback or private-network hosts are refused when the feed is read
(newscrawler.feedparsing); this guard applies the same rule to every redirect
hop of such a link, since a public page can redirect anywhere.
"""
import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from newscrawler.feedparsing import is_private_host

logger = logging.getLogger(__name__)


class PrivateRedirect(IgnoreRequest):
    """A redirect from a public feed's link to a private host was refused."""


class PrivateRedirectGuard:
    META_KEY = "newscrawler_guard_redirects"

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        if not (request.meta.get(self.META_KEY) and request.meta.get("redirect_urls")):
            return None
        if is_private_host(urlsplit(request.url).hostname or ""):
            self.stats.inc_value("newscrawler/pages/redirects_refused/private_address")
            logger.warning("Refusing a redirect to a private host: %s (from %s)",
                           request.url, request.meta["redirect_urls"][0])
            raise PrivateRedirect(f"redirect to a private host refused: {request.url}")
        return None
