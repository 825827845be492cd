"""`scrapy crawl feed -a feeds=URL[,URL] -a source=NAME`: the spider for any feed.

The source is the registered one of that name (its folder's rules and
layouts, its own feeds unless `feeds` is given), or a source configured
without code in NEWSCRAWLER_FEED_SOURCES (name -> feed URLs), or else a new
source of that name (default: the first feed's host) read by the general
extractor. A link to a host of a registered source is that source's article,
read by its own layouts, whichever feed it came from.
"""
from newscrawler.sources import SOURCES, Source, source_for_host
from newscrawler.sources.generic import generic_source
from newscrawler.spiders.news import SourceSpider
from newscrawler.urls import host_of


class FeedSpider(SourceSpider):
    name = "feed"

    def __init__(self, feeds: str | None = None, source: str | None = None, *args, **kwargs):
        super().__init__(feeds, *args, **kwargs)
        self.source_name = source

    def configure(self, crawler) -> None:
        self.source = self.chosen_source(crawler.settings.getdict("NEWSCRAWLER_FEED_SOURCES"))
        super().configure(crawler)

    def chosen_source(self, configured: dict) -> Source:
        name = self.source_name or (host_of(self.feed_urls[0]).removeprefix("www.") if self.feed_urls else "")
        if not name:
            raise ValueError("scrapy crawl feed needs -a feeds=URL[,URL] or -a source=NAME "
                             "(a source of NEWSCRAWLER_FEED_SOURCES or a registered one)")
        if name in SOURCES:
            return SOURCES[name]
        if name in configured:
            return generic_source(name, tuple(configured[name]))
        if not self.feed_urls:
            raise ValueError(f"no feeds for source {name!r}: give -a feeds=URL or add it to "
                             f"NEWSCRAWLER_FEED_SOURCES (known sources: {', '.join(sorted(SOURCES))})")
        return generic_source(name)

    def source_of_link(self, url: str) -> Source | None:
        return source_for_host(host_of(url)) or self.source

    def source_by_name(self, name: str) -> Source:
        return self.source if name == self.source.name else super().source_by_name(name)
