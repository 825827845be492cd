"""Sources without a folder: any RSS or Atom feed, read by the general extractor.

`scrapy crawl feed -a feeds=URL -a source=NAME` tracks the articles of any
feed under the source NAME; NEWSCRAWLER_FEED_SOURCES maps names to feed lists
so that `-a source=npr` alone is enough.

Without an outlet's own rules, a page is refused as not an article when it
says so of itself (JSON-LD live blog, gallery and collection types, a video
without an article, an Open Graph video type) or when its structural reading
(newscrawler.extraction.generic) looks like a live blog (updates stamped with
a time of day), an index page (summaries of links and no article text, or a
main text mostly of links) or holds too little text to be an article.
"""
import re
from functools import lru_cache

from lxml import etree

from newscrawler.extraction.generic import GenericArticle, structural_reading
from newscrawler.extraction.page import Page
from newscrawler.sources.source import Source, json_ld_non_article_type

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

_ARTICLE_TYPE = re.compile(r"Article$|^(?:Report|BlogPosting|NewsArticle)$")
_LIVE_NAMES = re.compile(r"\blive-?(?:blog|update|coverage)", re.IGNORECASE)
# 14:05, 2:05pm, 2.05pm (not 2.05, a number)
_CLOCK = r"(?:\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?|\d{1,2}\.\d{2}\s*[ap]\.?m\.?)"
_CLOCK_LED = re.compile(rf"^{_CLOCK}(?!\w)", re.IGNORECASE)
_CLOCK_ONLY = re.compile(rf"{_CLOCK}\s*(?:gmt|bst|utc|[ecmp][sd]t)?:?", re.IGNORECASE)
MAX_STAMP_CHARS = 20
_CELL_TAGS = frozenset({"td", "th"})  # a table of times is no live blog
MIN_TIMED_BLOCKS = 5  # a live blog's updates each open with their time of day...
MIN_TIMED_SHARE = 0.1  # ...and are this share of its blocks at least
MAX_ARTICLE_LINK_DENSITY = 0.4  # articles measure 0 to 0.26 (docs/extractors.md); index pages are mostly links
MIN_ARTICLE_WORDS = 40
MIN_INDEX_TEASERS = 3


def non_article_marker(page: Page) -> str | None:
    """Why the page is not a single article, or None."""
    return json_ld_non_article_type(page) or _video_marker(page) or _reading_marker(page)


def _video_marker(page: Page) -> str | None:
    og_type = (page.meta_property("og:type") or "").strip().lower()
    if og_type.startswith("video"):
        return f"og:type {og_type}"
    types = {name for obj in page.json_ld for name in _types(obj)}
    if "VideoObject" in types and not any(_ARTICLE_TYPE.search(name) for name in types):
        return "JSON-LD VideoObject without an article"
    return None


def _types(obj: dict) -> list[str]:
    types = obj.get("@type")
    return [name for name in (types if isinstance(types, list) else [types]) if isinstance(name, str)]


def _reading_marker(page: Page) -> str | None:
    reading = structural_reading(page)
    if not reading.blocks:
        if reading.teasers >= MIN_INDEX_TEASERS:
            return f"index page: {reading.teasers} summaries of links and no article text"
        return None  # no text at all: extraction says so (EmptyBody)
    timed = max(sum(1 for block in reading.blocks if _CLOCK_LED.match(block)), _time_stamps(reading.container))
    if timed >= MIN_TIMED_BLOCKS and timed >= MIN_TIMED_SHARE * len(reading.blocks):
        return f"live blog: {timed} updates stamped with a time of day in {len(reading.blocks)} blocks"
    if any(_LIVE_NAMES.search(element.get("class") or "") for element in _with_ancestors(reading.container)):
        return "live blog markup"
    if reading.link_density > MAX_ARTICLE_LINK_DENSITY:
        return f"index page: {reading.link_density:.0%} of the main text is links"
    if reading.words < MIN_ARTICLE_WORDS:
        return f"too little text for an article ({reading.words} words)"
    return None


def _time_stamps(container) -> int:
    """Elements in the container whose whole text is a time of day ("9.31am:", "14:05 GMT")."""
    return sum(1 for element in container.iter(etree.Element)
               if len(element) == 0 and element.tag not in _CELL_TAGS and element.text
               and len(element.text) <= MAX_STAMP_CHARS and _CLOCK_ONLY.fullmatch(element.text.strip()))


def _with_ancestors(element):
    yield element
    yield from element.iterancestors()


def generic_source(name: str, feeds: tuple[str, ...] = ()) -> Source:
    """A source of this name, read with the general extractor on any host."""
    return Source(name=name, hosts=(), feeds=tuple(feeds), layouts=(GenericArticle(),),
                  article_paths=ARTICLE_PATHS, skipped_paths=SKIPPED_PATHS, non_article_marker=non_article_marker)


@lru_cache(maxsize=1024)
def source_or_generic(name: str) -> Source:
    """The registered source of this name, or a general one of that name (as
    `scrapy crawl feed` makes for a feed of no registered source); one object per name."""
    from newscrawler.sources import SOURCES

    return SOURCES.get(name) or generic_source(name)
