"""One spider for every source: its RSS feeds and due re-checks to article items.

`scrapy crawl bbc` (`guardian`, `nytimes`, ...) is this spider for one source
(newscrawler.sources); `scrapy crawl feed -a feeds=URL -a source=NAME` is
it for any feed (see newscrawler.spiders.feed). The spider knows no site: the
source decides which links are articles and how pages are read, whatever
host serves them. It only routes: feed entries and due articles become requests for canonical
article URLs, article pages go to extraction, and what comes back becomes an
`ArticleItem` (page text) or a `CheckItem` (304, unchanged page, gone, moved,
failed). Comparing and storing is the pipelines' job, but before fetching a
tracked article the spider reads what the last check learnt of it: validators
for a conditional GET, and the hash of the page its latest version came from.
A page with those very bytes is unchanged without being extracted, which is
most re-checks of a change tracker. Feeds are read by
`newscrawler.feedparsing` rather than `XMLFeedSpider`, whose iterator is not
safe with hostile feeds; every feed entry or page not used is counted under
`newscrawler/...` and logged with its URL.
"""
import asyncio
import logging

from scrapy import Request, Spider
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse

from newscrawler.captures import page_hash
from newscrawler.clock import clock_from_settings
from newscrawler.extraction import ExtractionError, NotAnArticle, UnknownLayout, extract
from newscrawler.feedparsing import MALFORMED, Feed, link_refusal, read_feed
from newscrawler.extractors import extractor_version
from newscrawler.items import FAILED, GONE, MOVED, NOT_MODIFIED, UNCHANGED, ArticleItem, CheckItem, PageCapture
from newscrawler.middlewares import PrivateAddress
from newscrawler.resolver import allow_private_address
from newscrawler.rechecks import DUE, Rechecks
from newscrawler.sources import SOURCES, Source, source_for_host, source_named
from newscrawler.storage import StorageUnavailable, crawl_store, lookup_batches
from newscrawler.urls import article_id, canonical_url, host_of

PERMANENT_REDIRECTS = {301, 308}
ANSWERS_WITHOUT_TEXT = {304: NOT_MODIFIED, 404: GONE, 410: GONE}
HTML_CONTENT_TYPES = {"text/html", "application/xhtml+xml"}


class SourceSpider(Spider):
    """Crawls one source; subclasses name it (see the end of this module)."""

    source: Source
    DEFAULT_FEED_MAX_ENTRIES = 1000

    def __init__(self, feeds: str | None = None, recheck: str = DUE, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed_urls = [url.strip() for url in feeds.split(",") if url.strip()] if feeds else None
        self.recheck_mode = recheck
        self.requested_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler) -> None:
        """What the spider takes from the crawler: its clock, store and settings."""
        settings = crawler.settings
        self.clock = clock_from_settings(settings)
        self.rechecks = Rechecks.from_settings(settings, crawl_store(crawler), self.clock)
        self.feed_max_entries = settings.getint("NEWSCRAWLER_FEED_MAX_ENTRIES", self.DEFAULT_FEED_MAX_ENTRIES)
        self.private_links_allowed = settings.getbool("NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS")
        for feed_url in self.feeds():  # a feed's own host may be a name for this machine
            allow_private_address(feed_url)

    def default_feeds(self) -> list[str]:
        """The source's feeds: NEWSCRAWLER_<NAME>_FEEDS if set (URLs separated by commas), else its declaration's."""
        configured = [url.strip() for url in self.settings.getlist(feeds_setting(self.source.name)) if url.strip()]
        return configured or list(self.source.feeds)

    def feeds(self) -> list[str]:
        return self.feed_urls or self.default_feeds()

    async def start(self):
        for feed_url in self.feeds():
            yield Request(feed_url, callback=self.parse_feed, errback=self.feed_failed, dont_filter=True)
        # Claiming takes round trips: not on the reactor thread. A claimed
        # article whose feed entry was requested meanwhile is fetched once, from
        # the feed, and that check releases its lease; one checked already in
        # this crawl is not claimed (see Rechecks).
        claimed = await asyncio.to_thread(self.rechecks.claim, self.source.name, self.clock(),
                                          self.recheck_mode)
        for article in claimed:
            if article["url"] not in self.requested_urls:
                self.crawler.stats.inc_value("newscrawler/rechecks/requested")
                request = self.article_request(article["url"], self.source, feed_url=None)
                yield self.with_known_page(request, article)

    def feed_failed(self, failure):
        self.crawler.stats.inc_value("newscrawler/feed/fetch_failed")
        self.logger.error("Could not fetch feed %s: %s", failure.request.url, failure.getErrorMessage())

    async def parse_feed(self, response):
        """Requests for the feed's articles, a batch at a time, so that the
        first are fetched while the database is asked about the next."""
        self.crawler.stats.inc_value("newscrawler/feed/fetched")
        requests = self.entry_requests(response)
        database_answers = True
        for batch in lookup_batches(requests):
            article_ids = [request.cb_kwargs["article_id"] for request in batch]
            known = await self.known_pages(article_ids, response.url) if database_answers else None
            database_answers = known is not None
            for request, article in zip(batch, article_ids):
                if known is not None and self.rechecks.claims_feed_entries and article not in known:
                    self.skip_link("claimed", request.url, response, logging.DEBUG)
                    continue
                yield self.with_known_page(request, known.get(article) if known else None)

    def entry_requests(self, response) -> list[Request]:
        """The article requests for a feed's entries, before anything is known of them."""
        feed = read_feed(response.body, self.feed_max_entries)
        self.report_feed(response.url, feed)
        requests = (self.entry_request(response, link) for link in feed.links)
        return [request for request in requests if request]

    async def known_pages(self, article_ids: list[str], feed_url: str) -> dict[str, dict] | None:
        """What the database knows of these articles' pages; None if it cannot say.
        With NEWSCRAWLER_CLAIM_FEED_ENTRIES, only the articles this crawl claimed
        (see newscrawler.rechecks): the others are left to the crawl holding them."""
        try:
            return await asyncio.to_thread(self.rechecks.known_pages, article_ids)
        except StorageUnavailable as error:
            self.crawler.stats.inc_value("newscrawler/feed/known_pages_unavailable")
            self.logger.warning("Fetching the articles of %s in full: could not read what is known of "
                                "them (%s)", feed_url, error)
            return None

    def report_feed(self, url: str, feed: Feed) -> None:
        stats = self.crawler.stats
        if not feed.usable:
            stats.inc_value(f"newscrawler/feed/unusable/{feed.problem}")
            self.logger.error("Feed not used, %s (%s): %s", feed.problem, feed.detail, url)
            return
        if feed.problem == MALFORMED:
            stats.inc_value("newscrawler/feed/malformed")
            self.logger.warning("Malformed feed (%s), using the %d entries read: %s",
                                feed.detail, feed.entries, url)
        if not feed.entries:
            stats.inc_value("newscrawler/feed/without_entries")
            self.logger.warning("Feed without entries: %s", url)
        if feed.entries_over_limit:
            stats.inc_value("newscrawler/feed/entries_skipped/over_limit", feed.entries_over_limit)
            self.logger.warning("Feed has %d entries, only the first %d used (NEWSCRAWLER_FEED_MAX_ENTRIES): %s",
                                feed.entries, self.feed_max_entries, url)
        if feed.entries_without_link:
            stats.inc_value("newscrawler/feed/entries_without_link", feed.entries_without_link)
            self.logger.warning("%d feed entries without a link in %s", feed.entries_without_link, url)

    def entry_request(self, response, link: str) -> Request | None:
        """The request for a feed entry's article, or None if its link is skipped."""
        try:
            link = response.urljoin(link)
            source = self.source_of_link(link)
            url = source and canonical_url(link, source)
        except ValueError:  # e.g. a broken IPv6 host
            return self.skip_link("invalid", link, response)
        if source is None:
            return self.skip_link("other_source", link, response)
        feed_url = self.feed_url_as_requested(response)
        refusal = link_refusal(url, feed_url, self.private_links_allowed)
        if refusal:
            return self.skip_link(refusal, url, response)
        if feed_url.startswith("file:"):  # a local feed may name any host, also one resolving to this machine
            allow_private_address(url)
        kind = source.page_kind(url)
        if kind != "article":
            self.crawler.stats.inc_value(f"newscrawler/pages/skipped/{kind}")
            self.logger.info("Skipping %s page %s", kind, url)
            return None
        if url in self.requested_urls:  # article requests bypass Scrapy's dupefilter
            return self.skip_link("duplicate", url, response, logging.DEBUG)
        self.crawler.stats.inc_value("newscrawler/feed/article_links")
        return self.article_request(url, source, feed_url=response.url)

    @staticmethod
    def source_by_name(name: str) -> Source:
        return source_named(name)

    def source_of_link(self, url: str) -> Source | None:
        """The source whose rules apply to a feed link: the spider's own, for its
        hosts and for hosts of no source (mirrors, tests on 127.0.0.1); None for
        another source's host, which this spider does not track."""
        owner = source_for_host(host_of(url))
        return self.source if owner is None or owner is self.source else None

    def skip_link(self, reason: str, link: str, response, level: int = logging.WARNING) -> None:
        self.crawler.stats.inc_value(f"newscrawler/feed/links_skipped/{reason}")
        self.logger.log(level, "Skipping feed link %s (%s) in %s", link, reason, response.url)

    @staticmethod
    def feed_url_as_requested(response) -> str:
        """The feed URL before any redirect: links may go to that host even when it is private."""
        return response.meta.get("redirect_urls", [response.url])[0]

    def article_request(self, url: str, source: Source, feed_url: str | None) -> Request:
        """A request for an article page, never served from a cache.

        The spider drops duplicates itself (requested_urls), counting them, so
        the request bypasses Scrapy's dupefilter: that would also silently drop
        a redirect back to a URL already fetched, where a redirect loop must
        run into REDIRECT_MAX_TIMES and end as a failed check."""
        self.requested_urls.add(url)
        return Request(
            url, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
            cb_kwargs={"article_id": article_id(url, source), "feed_url": feed_url, "source": source.name},
            meta={"handle_httpstatus_list": list(ANSWERS_WITHOUT_TEXT), "dont_cache": True},
        )

    @staticmethod
    def with_known_page(request: Request, known: dict | None) -> Request:
        """The request of a tracked article: a conditional GET with its stored
        validators, and the hash of the page its latest version came from."""
        if known:
            if known.get("etag"):
                request.headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                request.headers["If-Modified-Since"] = known["last_modified"]
            request.cb_kwargs["known"] = known
        return request

    def parse_article(self, response, article_id: str, feed_url: str | None, source: str,
                      known: dict | None = None):
        """`source`: the name of the source whose article this is; `known`: what
        the last check learnt of a tracked article (storage.PAGE_FIELDS)."""
        self.crawler.stats.inc_value("newscrawler/pages/checked")
        source = self.source_by_name(source)
        if response.status in ANSWERS_WITHOUT_TEXT:
            yield self.check(article_id, source, response, ANSWERS_WITHOUT_TEXT[response.status])
            return
        final_id = self.moved_to(response, article_id, source)
        if final_id:
            yield self.check(article_id, source, response, MOVED, moved_to=final_id)
            article_id = final_id
        content_type = self.header(response, b"Content-Type")
        if not self.is_html(response, content_type):
            yield self.failed(article_id, source, response, "not_html", f"Not an HTML page ({content_type})")
            return
        fetched_page_hash = page_hash(response.body, content_type)
        if known and fetched_page_hash == known.get("page_hash") and not final_id:
            self.crawler.stats.inc_value("newscrawler/pages/same_as_stored")
            yield self.check(article_id, source, response, UNCHANGED, page_hash=fetched_page_hash,
                             interval_seconds=known.get("interval_seconds"))
            return
        item = self.page_item(response, article_id, source, feed_url, content_type, fetched_page_hash, self.clock())
        if item is not None:
            yield item

    def page_item(self, response, article_id: str, source: Source, feed_url: str | None, content_type: str | None,
                  fetched_page_hash: str, fetched_at) -> ArticleItem | CheckItem | None:
        """The page's text as an item with its capture, a failed check with its
        capture if extraction failed, or None for a page that is no article.
        Also how newscrawler.reextract reads a stored capture again."""
        capture = page_capture(response, fetched_page_hash, fetched_at)
        try:
            page = extract(response.url, response.body, content_type, source=source)
        except NotAnArticle as reason:
            self.crawler.stats.inc_value("newscrawler/pages/skipped/not_article")
            self.logger.info("Not an article page (%s): %s", reason, response.url)
            return None
        except UnknownLayout as reason:
            self.crawler.stats.inc_value(f"newscrawler/extraction/unknown_layout/{source.name}")
            return self.failed_extraction(article_id, source, response, "unknown_layout",
                                          f"Unknown page layout ({reason})", capture)
        except ExtractionError as reason:
            return self.failed_extraction(article_id, source, response, "no_article_text",
                                          f"No article text found ({reason})", capture)
        except Exception as error:  # a bug, or a page extraction did not foresee: the check fails, the crawl goes on
            return self.failed_extraction(article_id, source, response, "extraction_error",
                                          f"Extraction failed ({type(error).__name__}: {error})", capture,
                                          exc_info=True)
        return ArticleItem(
            article_id=article_id, url=response.url, source=source.name, feed_url=feed_url,
            headline=page.headline, byline=page.byline, published=page.published, modified=page.modified,
            body=list(page.body), fetched_at=fetched_at, http_status=response.status,
            etag=self.header(response, b"ETag"), last_modified=self.header(response, b"Last-Modified"),
            page_hash=fetched_page_hash, extractor=extractor_version(source, page.layout), capture=capture,
        )

    def failed_extraction(self, article_id: str, source: Source, response, reason: str, message: str,
                          capture: PageCapture, exc_info: bool = False) -> CheckItem:
        """A failed check of a page that was fetched but not understood: its capture is kept."""
        check = self.failed(article_id, source, response, reason, message, exc_info=exc_info)
        check.fetched_at = capture.fetched_at
        check.capture = capture
        check.extractor = extractor_version(source, None)
        return check

    @staticmethod
    def moved_to(response, article_id: str, source: Source) -> str | None:
        """The new article id if the page was permanently redirected to another article."""
        reasons = response.meta.get("redirect_reasons", [])
        if not PERMANENT_REDIRECTS.intersection(reasons):
            return None
        final_id = canonical_url(response.url, source)
        return final_id if final_id != article_id and source.page_kind(final_id) == "article" else None

    @staticmethod
    def is_html(response, content_type: str | None) -> bool:
        if content_type:
            return content_type.split(";")[0].strip().lower() in HTML_CONTENT_TYPES
        return isinstance(response, HtmlResponse)  # Scrapy's guess from the URL and body

    def article_failed(self, failure):
        self.crawler.stats.inc_value("newscrawler/pages/checked")
        request = failure.request
        status = getattr(getattr(failure.value, "response", None), "status", None)
        return self.failed(request.cb_kwargs["article_id"], self.source_by_name(request.cb_kwargs["source"]), request,
                           fetch_failure_reason(failure), f"Fetch failed ({failure.getErrorMessage()})", status)

    def failed(self, article_id: str, source: Source, response, reason: str, message: str,
               status: int | None = None, exc_info: bool = False):
        self.crawler.stats.inc_value(f"newscrawler/pages/failed/{reason}")
        self.logger.warning("%s, not stored: %s", message, response.url, exc_info=exc_info)
        return self.check(article_id, source, response, FAILED, reason=reason, status=status)

    def check(self, article_id: str, source: Source, response, outcome: str, status: int | None = None,
              **fields) -> CheckItem:
        return CheckItem(article_id=article_id, url=response.url, source=source.name, outcome=outcome,
                         fetched_at=self.clock(), http_status=status or getattr(response, "status", None),
                         **fields)

    @staticmethod
    def header(response, name: bytes) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None


def page_capture(response, fetched_page_hash: str, fetched_at) -> PageCapture:
    """The response as evidence: what was asked for, what came back."""
    request = response.request
    return PageCapture(
        url=response.url, status=response.status, headers=_header_pairs(response.headers), body=response.body,
        fetched_at=fetched_at, page_hash=fetched_page_hash, request_url=request.url if request else response.url,
        request_headers=_header_pairs(request.headers) if request is not None else [],
    )


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def fetch_failure_reason(failure) -> str:
    """The failed-check reason for a download that gave no page."""
    if failure.check(PrivateAddress):  # a private host by a redirect hop, or a name resolving to one
        return "private_address"
    if failure.check(DownloadCancelledError):  # Scrapy cancels a download only above DOWNLOAD_MAXSIZE
        return "too_large"
    if failure.check(IgnoreRequest) and "max redirections" in str(failure.value):  # REDIRECT_MAX_TIMES
        return "too_many_redirects"
    return "fetch_failed"


def feeds_setting(source_name: str) -> str:
    """The setting that replaces a source's default feeds: NEWSCRAWLER_BBC_FEEDS for bbc."""
    return f"NEWSCRAWLER_{source_name.upper()}_FEEDS"


def _spider_class(source: Source) -> type[SourceSpider]:
    """`scrapy crawl <name>`: the spider for one registered source."""
    class_name = "".join(part.title() for part in source.name.split("_")) + "Spider"
    return type(class_name, (SourceSpider,), {"name": source.name, "source": source, "__module__": __name__})


# Scrapy's spider loader finds the spiders among this module's classes.
SPIDERS = {source.name: _spider_class(source) for source in SOURCES.values()}
globals().update({spider.__name__: spider for spider in SPIDERS.values()})
