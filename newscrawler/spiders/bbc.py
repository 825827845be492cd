"""The bbc spider: BBC News RSS feeds and due re-checks to article items.

It only routes: feed entries and due articles become requests for canonical
article URLs, article pages go to extraction, and what comes back becomes an
`ArticleItem` (page text) or a `CheckItem` (304, gone, moved, failed).
Comparing and storing is the pipelines' job.
"""
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spiders import XMLFeedSpider

from newscrawler.clock import clock_from_settings
from newscrawler.extraction import ExtractionError, NotAnArticle, UnknownLayout, extract
from newscrawler.items import FAILED, GONE, MOVED, NOT_MODIFIED, ArticleItem, CheckItem
from newscrawler.rechecks import DUE, Rechecks
from newscrawler.urls import article_id, canonical_url, is_web_url, page_kind

PERMANENT_REDIRECTS = {301, 308}
ANSWERS_WITHOUT_TEXT = {304: NOT_MODIFIED, 404: GONE, 410: GONE}


class BBCSpider(XMLFeedSpider):
    name = "bbc"
    source = "bbc"
    iterator = "iternodes"
    itertag = "item"

    def __init__(self, feeds: str | None = None, recheck: str = DUE, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed_urls = [url.strip() for url in feeds.split(",") if url.strip()] if feeds else None
        self.recheck_mode = recheck

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.clock = clock_from_settings(crawler.settings)
        spider.rechecks = Rechecks.from_settings(crawler.settings)
        return spider

    async def start(self):
        for feed_url in self.feed_urls or self.settings.getlist("NEWSCRAWLER_BBC_FEEDS"):
            yield Request(feed_url, dont_filter=True, errback=self.feed_failed)
        for article in self.rechecks.claim(self.source, self.clock(), self.recheck_mode):
            yield self.article_request(article["url"], feed_url=None, validators=article)

    def feed_failed(self, failure):
        self.crawler.stats.inc_value("newscrawler/feed/fetch_failed")
        self.logger.error("Could not fetch feed %s: %s", failure.request.url, failure.value)

    def parse_node(self, response, node):
        link = (node.xpath("link/text()").get() or "").strip()
        if not link:
            self.crawler.stats.inc_value("newscrawler/feed/entries_without_link")
            return
        link = response.urljoin(link)
        if not is_web_url(link):
            self.crawler.stats.inc_value("newscrawler/feed/links_skipped/not_http")
            self.logger.warning("Skipping feed entry with a non-web link %s in %s", link, response.url)
            return
        url = canonical_url(link)
        kind = page_kind(url)
        if kind != "article":
            self.crawler.stats.inc_value(f"newscrawler/pages/skipped/{kind}")
            self.logger.info("Skipping %s page %s", kind, url)
            return
        self.crawler.stats.inc_value("newscrawler/feed/article_links")
        yield self.article_request(url, feed_url=response.url)

    def article_request(self, url: str, feed_url: str | None, validators: dict | None = None) -> Request:
        """A request for an article page; re-checks send the stored validators
        for a conditional GET and never come from a cache."""
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        return Request(
            url, headers=headers, callback=self.parse_article, errback=self.article_failed,
            cb_kwargs={"article_id": article_id(url), "feed_url": feed_url},
            meta={"handle_httpstatus_list": list(ANSWERS_WITHOUT_TEXT), "dont_cache": True},
        )

    def parse_article(self, response, article_id: str, feed_url: str | None):
        if response.status in ANSWERS_WITHOUT_TEXT:
            yield self.check(article_id, response, ANSWERS_WITHOUT_TEXT[response.status])
            return
        final_id = self.moved_to(response, article_id)
        if final_id:
            yield self.check(article_id, response, MOVED, moved_to=final_id)
            article_id = final_id
        if not isinstance(response, TextResponse):
            yield self.failed(article_id, response, "not_html", "Not an HTML page")
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            page = extract(response.url, response.body, content_type)
        except NotAnArticle as reason:
            self.crawler.stats.inc_value("newscrawler/pages/skipped/not_article")
            self.logger.info("Not an article page (%s): %s", reason, response.url)
            return
        except UnknownLayout as reason:
            self.crawler.stats.inc_value(f"newscrawler/extraction/unknown_layout/{self.source}")
            yield self.failed(article_id, response, "unknown_layout", f"Unknown page layout ({reason})")
            return
        except ExtractionError as reason:
            yield self.failed(article_id, response, "no_article_text", f"No article text found ({reason})")
            return
        yield ArticleItem(
            article_id=article_id, url=response.url, source=self.source, feed_url=feed_url,
            headline=page.headline, byline=page.byline, published=page.published, modified=page.modified,
            body=list(page.body), fetched_at=self.clock(), http_status=response.status,
            etag=self.header(response, b"ETag"), last_modified=self.header(response, b"Last-Modified"),
        )

    def moved_to(self, response, article_id: str) -> str | None:
        """The new article id if the page was permanently redirected to another article."""
        reasons = response.meta.get("redirect_reasons", [])
        if not PERMANENT_REDIRECTS.intersection(reasons):
            return None
        final_id = canonical_url(response.url)
        return final_id if final_id != article_id and page_kind(final_id) == "article" else None

    def article_failed(self, failure):
        request = failure.request
        status = getattr(getattr(failure.value, "response", None), "status", None)
        return self.failed(request.cb_kwargs["article_id"], request, "fetch_failed",
                           f"Fetch failed ({failure.getErrorMessage()})", status)

    def failed(self, article_id: str, response, reason: str, message: str, status: int | None = None):
        self.crawler.stats.inc_value(f"newscrawler/pages/failed/{reason}")
        self.logger.warning("%s, not stored: %s", message, response.url)
        return self.check(article_id, response, FAILED, reason=reason, status=status)

    def check(self, article_id: str, response, outcome: str, status: int | None = None, **fields) -> CheckItem:
        return CheckItem(article_id=article_id, url=response.url, source=self.source, outcome=outcome,
                         fetched_at=self.clock(), http_status=status or getattr(response, "status", None),
                         **fields)

    @staticmethod
    def header(response, name: bytes) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None
