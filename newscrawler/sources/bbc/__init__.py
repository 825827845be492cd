"""BBC News: bbc.co.uk and bbc.com, and news.bbc.co.uk before them.

Layout eras, newest first: the component-built pages of 2020 onwards
(including 2024's `news/articles/`), the 2020s video pages, the responsive
pages of 2015-2019, the 2010-2015 pages and the `.stm` pages of 2006-2010.
"""
import re

from newscrawler.extraction.page import Page
from newscrawler.sources.bbc.layout_2010 import Bbc2010
from newscrawler.sources.bbc.layout_2015 import Bbc2015
from newscrawler.sources.bbc.layout_2020 import Bbc2020
from newscrawler.sources.bbc.layout_2020_video import Bbc2020Video
from newscrawler.sources.bbc.layout_stm import BbcStm
from newscrawler.sources.source import Source, json_ld_non_article_type

FEEDS = tuple(f"https://feeds.bbci.co.uk/news/{section}rss.xml" for section in (
    "", "world/", "uk/", "politics/", "business/", "health/", "education/",
    "science_and_environment/", "technology/", "entertainment_and_arts/",
))

ARTICLE_PATHS = (
    re.compile(r"^/news/articles/[a-z0-9]+/?$"),
    re.compile(r"^/(?:news|sport)/(?:[a-z0-9_]+/)*?av/[a-z0-9_-]+-\d{6,}$"),
    re.compile(r"^/(?:news|sport)/(?:[a-z0-9_]+/)*[a-z0-9_-]*?-?\d{6,}$"),
    re.compile(r"^/sport/(?:[a-z0-9_-]+/)*articles/[a-z0-9]+/?$"),
    re.compile(r"^/\d+/hi/(?:[a-z0-9_]+/)+\d+\.stm$"),
)
SKIPPED_PATHS = (
    ("live", re.compile(r"/live/")),
    ("gallery", re.compile(r"in[_-]pictures")),
)
PATH_RULES = (
    # News Sniffer era feeds wrap links as /go/rss/-/1/hi/... or /go/rss/int/news/-/1/hi/...
    (re.compile(r"^/go/(?:[^/]+/)*?-/"), "/"),
    # news.bbc.co.uk served a low-graphics copy of each /1/hi/ page under /2/hi/
    (re.compile(r"^/2/(hi|low)/"), r"/1/\1/"),
)

# The 2006-2014 publishing system labels every page with its asset type.
_ARTICLE_ASSET_TYPES = frozenset({
    "STY",  # story
    "CSP",  # correspondent story
    "MAP",  # media asset (video with a text summary, tracked like an article)
})
_ARTICLE_CONTENT_FLAVORS = frozenset({"STORY"})


def non_article_marker(page: Page) -> str | None:
    """Why the page says of itself that it is not an article (live page, index,
    gallery...), or None if it does not say so."""
    return _cms_non_article_label(page) or json_ld_non_article_type(page)


def _cms_non_article_label(page: Page) -> str | None:
    asset_type = (page.meta("CPS_ASSET_TYPE") or "").strip()
    if asset_type:  # the precise label when present; contentFlavor is the older one
        return None if asset_type.upper() in _ARTICLE_ASSET_TYPES else f"CPS_ASSET_TYPE {asset_type}"
    flavor = (page.meta("contentFlavor") or "").strip()
    if flavor and flavor.upper() not in _ARTICLE_CONTENT_FLAVORS:
        return f"contentFlavor {flavor}"
    return None


SOURCE = Source(
    name="bbc",
    hosts=("bbc.co.uk", "bbc.com", "bbci.co.uk"),
    feeds=FEEDS,
    layouts=(Bbc2020(), Bbc2020Video(), Bbc2015(), Bbc2010(), BbcStm()),
    article_paths=ARTICLE_PATHS,
    skipped_paths=SKIPPED_PATHS,
    non_article_marker=non_article_marker,
    canonical_host="www.bbc.co.uk",
    host_aliases=frozenset({"bbc.co.uk", "www.bbc.co.uk", "bbc.com", "www.bbc.com"}),
    path_rules=PATH_RULES,
)
