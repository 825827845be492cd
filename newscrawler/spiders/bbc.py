"""The bbc spider: BBC News RSS feeds to article items.

It only routes: feed entries become requests for canonical article URLs,
article pages go to extraction, and the extracted fields become an
`ArticleItem`. Comparing and storing is the pipelines' job.
"""
from datetime import datetime, timezone

from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spiders import XMLFeedSpider

from newscrawler.extraction import EmptyBody, NotAnArticle, UnknownLayout, extract
from newscrawler.items import ArticleItem
from newscrawler.urls import article_id, canonical_url, is_web_url, page_kind


class BBCSpider(XMLFeedSpider):
    name = "bbc"
    source = "bbc"
    iterator = "iternodes"
    itertag = "item"

    def __init__(self, feeds: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed_urls = [url.strip() for url in feeds.split(",") if url.strip()] if feeds else None

    async def start(self):
        for feed_url in self.feed_urls or self.settings.getlist("NEWSCRAWLER_BBC_FEEDS"):
            yield Request(feed_url, callback=self.parse, dont_filter=True)

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
        yield Request(url, callback=self.parse_article,
                      cb_kwargs={"article_id": article_id(url), "feed_url": response.url})

    def parse_article(self, response, article_id: str, feed_url: str):
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("newscrawler/pages/not_html")
            self.logger.warning("Not an HTML page: %s", response.url)
            return
        try:
            page = extract(response.url, response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
        except NotAnArticle as reason:
            self.crawler.stats.inc_value("newscrawler/pages/skipped/not_article")
            self.logger.info("Not an article page (%s): %s", reason, response.url)
            return
        except EmptyBody as reason:
            self.crawler.stats.inc_value("newscrawler/extraction/empty_body")
            self.logger.warning("No article text found (%s), not stored: %s", reason, response.url)
            return
        except UnknownLayout as reason:
            self.crawler.stats.inc_value(f"newscrawler/extraction/unknown_layout/{self.source}")
            self.logger.warning("Unknown page layout (%s), not stored: %s", reason, response.url)
            return
        yield ArticleItem(
            article_id=article_id,
            url=response.url,
            source=self.source,
            headline=page.headline,
            byline=page.byline,
            published=page.published,
            modified=page.modified,
            body=list(page.body),
            fetched_at=datetime.now(timezone.utc),
            feed_url=feed_url,
        )
