"""A progress line every NEWSCRAWLER_PROGRESS_SECONDS while a crawl runs.

In the crawl's own terms, from its stats: articles checked (their page
answered or failed) of those due so far (feed entries requested, and claimed
re-checks of articles no feed listed), then what the closing summary says
(newscrawler.summary): feeds read and failed, articles new, changed and
unchanged, failed checks. Scrapy's LogStats line counts pages and items.
"""
import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from newscrawler.summary import summary

logger = logging.getLogger(__name__)


def articles_checked(stats) -> int:
    return stats.get_value("newscrawler/pages/checked", 0)


def articles_due(stats) -> int:
    return stats.get_value("newscrawler/feed/article_links", 0) + stats.get_value("newscrawler/rechecks/requested", 0)


def progress(stats) -> str:
    return f"{articles_checked(stats)} of {articles_due(stats)} articles checked; {summary(stats)}"


class CrawlProgress:
    DEFAULT_SECONDS = 60.0

    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWSCRAWLER_PROGRESS_SECONDS", cls.DEFAULT_SECONDS)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)  # nothing to say yet

    def log(self) -> None:
        logger.info("Progress: %s", progress(self.stats))

    def spider_closed(self, spider, reason: str) -> None:
        if self.task and self.task.running:
            self.task.stop()
