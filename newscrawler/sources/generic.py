"""Sources without a folder: any RSS or Atom feed, read by the general extractor.

`scrapy crawl feed -a feeds=URL -a source=NAME` tracks the articles of any
feed under the source NAME; NEWSCRAWLER_FEED_SOURCES maps names to feed lists
so that `-a source=npr` alone is enough.
"""
import re
from functools import lru_cache

from newscrawler.extraction.generic import GenericArticle
from newscrawler.sources.source import Source

# An article's address usually ends in a slug with hyphens, a long number, or a
# file name; a section front ends in a single word (/world/, /politics).
ARTICLE_PATHS = (
    re.compile(r"^/(?:[^/]+/)*[^/]*(?:[a-z0-9]-[a-z0-9]|\d{4,})[^/]*/?$", re.IGNORECASE),
    re.compile(r"^/.+\.(?:s?html?|stm|php|aspx?)$", re.IGNORECASE),
)
SKIPPED_PATHS = (
    ("live", re.compile(r"/live(?:blog)?s?/|/live-", re.IGNORECASE)),
    ("gallery", re.compile(r"/(?:gallery|galleries|photos?|in[_-]pictures|slideshows?)/", re.IGNORECASE)),
    ("video", re.compile(r"/(?:videos?|watch|podcasts?|audio)/", re.IGNORECASE)),
)


def generic_source(name: str, feeds: tuple[str, ...] = ()) -> Source:
    """A source of this name, read with the general extractor on any host."""
    return Source(name=name, hosts=(), feeds=tuple(feeds), layouts=(GenericArticle(),),
                  article_paths=ARTICLE_PATHS, skipped_paths=SKIPPED_PATHS)


@lru_cache(maxsize=1024)
def source_or_generic(name: str) -> Source:
    """The registered source of this name, or a general one of that name (as
    `scrapy crawl feed` makes for a feed of no registered source); one object per name."""
    from newscrawler.sources import SOURCES

    return SOURCES.get(name) or generic_source(name)
