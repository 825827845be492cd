"""The closing line of every crawl, and whether the crawl failed.

`CrawlSummary` logs one line when the spider closes, from the crawl's stats:
feeds read and failed, articles new, changed and unchanged, failed checks.
`crawl_failure()` is the one rule for a failed crawl, used by that line and by
the project's `scrapy crawl` command (newscrawler.commands.crawl) for its exit
status: the crawl stopped for another reason than finishing (the database
could not be used, an interruption), or not one of its feeds could be read.
"""
import logging

from scrapy import signals

logger = logging.getLogger(__name__)

# Ends that are no failure: all done, or a limit the user set (CloseSpider extension).
FINISHED_REASONS = frozenset({"finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"})


def crawl_failure(stats, reason: str | None = None) -> str | None:
    """Why the crawl with these stats failed, or None if it did not."""
    reason = reason or stats.get_value("finish_reason")
    if reason not in FINISHED_REASONS:
        return str(reason)
    read, failed = feeds_read(stats), feeds_failed(stats)
    if failed and not read:
        return "every feed failed"
    return None


def feeds_read(stats) -> int:
    return stats.get_value("newscrawler/feed/fetched", 0) - _sum_of(stats, "newscrawler/feed/unusable/")


def feeds_failed(stats) -> int:
    return stats.get_value("newscrawler/feed/fetch_failed", 0) + _sum_of(stats, "newscrawler/feed/unusable/")


def summary(stats) -> str:
    value = stats.get_value
    unchanged = value("newscrawler/articles/unchanged", 0) + value("newscrawler/checks/not_modified", 0)
    return (f"{feeds_read(stats)} feeds read, {feeds_failed(stats)} failed; "
            f"{value('newscrawler/articles/new', 0)} new, {value('newscrawler/articles/changed', 0)} changed, "
            f"{unchanged} unchanged articles; {value('newscrawler/checks/failed', 0)} failed checks")


def _sum_of(stats, prefix: str) -> int:
    return sum(count for key, count in stats.get_stats().items() if key.startswith(prefix))


class CrawlSummary:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        failure = crawl_failure(self.stats, reason)
        if failure:
            # a warning: the error that stopped the crawl was logged already, once
            logger.warning("Crawl failed (%s): %s", failure, summary(self.stats))
        else:
            logger.info("Crawl done: %s", summary(self.stats))
