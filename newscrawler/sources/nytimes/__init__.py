"""The New York Times (nytimes.com): hosts, default feeds, URL rules, layout eras.

Articles live at /YYYY/MM/DD/<section>[/<subsection>...]/<slug>.html (wire
copy under /aponline/ and /reuters/, the Spanish edition under /es/), and
evergreen explainers at /article/<slug>.html. Live blogs, interactives,
video, slideshows, podcasts, recipes, games and crosswords, The Athletic,
Wirecutter, the retired blogs and section pages are skipped by URL; a page
whose own labels say it is not an article (a LiveBlogPosting or gallery
JSON-LD type, or a `PT` page-type meta name other than "article") is refused.
"""
import re

from newscrawler.extraction.page import Page
from newscrawler.sources.nytimes.layout_2006 import Layout2006
from newscrawler.sources.nytimes.layout_2014 import Layout2014
from newscrawler.sources.nytimes.layout_2018 import Layout2018
from newscrawler.sources.nytimes.layout_2020 import Layout2020
from newscrawler.sources.source import Source, json_ld_non_article_type

_FEED_BASE = "https://rss.nytimes.com/services/xml/rss/nyt/"
_FEED_NAMES = (
    "HomePage", "World", "US", "Politics", "NYRegion", "Business",
    "Technology", "Science", "Health", "Climate", "Arts", "Opinion",
)

_DATE = r"\d{4}/\d{2}/\d{2}"
ARTICLE_PATHS = (
    re.compile(rf"^/(?:(?:aponline|reuters|es)/)?{_DATE}/(?:[A-Za-z0-9-]+/)+[^/]+\.html$"),
    re.compile(r"^/article/[^/]+\.html$"),
)
# (kind, pattern searched in the path), checked in this order before ARTICLE_PATHS.
SKIPPED_PATHS = (
    ("live", re.compile(r"^/live/")),
    ("interactive", re.compile(r"^/(?:interactive|newsgraphics|projects)/")),
    ("video", re.compile(r"^/video/")),
    ("slideshow", re.compile(r"^/slideshow/")),
    ("podcast", re.compile(r"(?:^|/)podcasts/")),
    ("recipe", re.compile(r"^/recipes?/")),
    ("game", re.compile(r"^/(?:games|puzzles)/|(?:^|/)crosswords/")),
    ("athletic", re.compile(r"^/athletic/")),
    ("wirecutter", re.compile(r"^/wirecutter/")),
    ("cartoon", re.compile(r"/cartoons?/")),
    # The blogs (thecaucus.blogs.nytimes.com and kin, retired in 2017): /YYYY/MM/DD/slug/
    ("blog", re.compile(rf"^/{_DATE}/[^/.]+/?$")),
    ("index", re.compile(r"^/(?:section|pages|topic|by|column|series|spotlight|news-event)(?:/|$)|/index\.html$")),
)


def non_article_marker(page: Page) -> str | None:
    """Why the page says of itself that it is not an article, or None."""
    return json_ld_non_article_type(page) or _page_type_label(page)


def _page_type_label(page: Page) -> str | None:
    # The CMS names every page's type: "article" (or "Article") for stories,
    # "Homepage", "Sectionfront", "Interactive", "Video"... for the rest.
    page_type = (page.meta("PT") or "").strip()
    if page_type and page_type.lower() != "article":
        return f"PT {page_type}"
    return None


SOURCE = Source(
    name="nytimes",
    hosts=("nytimes.com",),
    feeds=tuple(f"{_FEED_BASE}{name}.xml" for name in _FEED_NAMES),
    layouts=(Layout2020(), Layout2018(), Layout2014(), Layout2006()),
    article_paths=ARTICLE_PATHS,
    skipped_paths=SKIPPED_PATHS,
    non_article_marker=non_article_marker,
    canonical_host="www.nytimes.com",
    host_aliases=frozenset({"nytimes.com", "www.nytimes.com"}),
    # feed and share links: ?partner=rss&emc=rss, ?smid=tw-share, ?action=click&module=...&pgtype=...
    tracking_params=frozenset({"partner", "emc", "smid", "smtyp", "_r", "ref", "action", "module", "pgtype",
                               "region", "contentcollection", "contentplacement", "src"}),
)
