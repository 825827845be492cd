"""The Washington Post (washingtonpost.com): one declaration.

Article URLs of every era: the 2009-2019 `/<section>/<slug>/YYYY/MM/DD/<uuid>_story.html`
pages, the PageBuilder blogs (`/news/<blog>/wp/YYYY/MM/DD/<slug>/`) and
today's `/<section>/YYYY/MM/DD/<slug>/`. Live updates, video, photo
galleries, podcasts and interactive graphics have URLs of their own and are
skipped; section fronts, opinion and topic indexes, author pages and tag
pages match no article rule and are indexes. Layout eras, newest first: see
each `layout_<era>.py`.
"""
import re

from newscrawler.extraction.page import Page
from newscrawler.extraction.query import class_containing, xpath
from newscrawler.sources.source import Source, json_ld_non_article_type
from newscrawler.sources.washingtonpost.layout_2013 import WashingtonPost2013
from newscrawler.sources.washingtonpost.layout_2014 import WashingtonPost2014
from newscrawler.sources.washingtonpost.layout_2017 import WashingtonPost2017
from newscrawler.sources.washingtonpost.layout_2019 import WashingtonPost2019
from newscrawler.sources.washingtonpost.layout_2024 import WashingtonPost2024

_DATE = r"\d{4}/\d{2}/\d{2}"
_SLUG = r"[A-Za-z0-9][\w.%-]*"

ARTICLE_PATHS = (
    re.compile(rf"^/(?:[\w-]+/)+{_DATE}/[\w-]+_story\.html$"),
    re.compile(rf"^/(?:[\w-]+/)*(?:news|blogs)/[\w-]+/wp/{_DATE}/{_SLUG}/?$"),
    re.compile(rf"^/(?:[\w-]+/)+{_DATE}/{_SLUG}/?$"),
)
SKIPPED_PATHS = (
    ("live", re.compile(r"live-updates?(?:[/-]|$)|live-coverage|live-blog|/live/")),
    ("video", re.compile(r"(?:^|/)(?:video|posttv)/|_video\.html$")),
    ("gallery", re.compile(r"(?:^|/)(?:photography|photos?|galler(?:y|ies)|in-sight)/|_gallery\.html$")),
    ("podcast", re.compile(r"(?:^|/)podcasts?/")),
    # /sf/ are the "special features", pages built one by one around graphics
    ("interactive", re.compile(r"(?:^|/)(?:graphics|interactive|sf)/")),
    ("sponsored", re.compile(r"(?:^|/)(?:brand-studio|brand-connect)/")),
)
# The Washington Post's section feeds (feeds.washingtonpost.com/rss/<section>).
FEEDS = tuple(f"https://feeds.washingtonpost.com/rss/{section}" for section in (
    "national", "world", "politics", "business", "business/technology", "opinions",
    "local", "entertainment", "sports",
))
# The paragraphs of live-update pages carry a "...-isLiveArticle-true" class.
_LIVE_PARAGRAPHS = xpath(class_containing("//p", "-isLiveArticle-true"))


def non_article_marker(page: Page) -> str | None:
    """Why the page says it is not a single article: a live blog or gallery by
    its JSON-LD type, a video or section page by its og:type, or a live article
    by its own markup. None for an article."""
    og_type = (page.meta_property("og:type") or "article").strip().lower()
    if not og_type.startswith("article"):
        return f"og:type {og_type}"
    return json_ld_non_article_type(page) or _live_article_marker(page)


def _live_article_marker(page: Page) -> str | None:
    return "live-update paragraphs" if page.find(_LIVE_PARAGRAPHS) else None


SOURCE = Source(
    name="washingtonpost",
    hosts=("washingtonpost.com",),
    feeds=FEEDS,
    layouts=(
        WashingtonPost2024(),
        WashingtonPost2019(),
        WashingtonPost2017(),
        WashingtonPost2014(),
        WashingtonPost2013(),
    ),
    article_paths=ARTICLE_PATHS,
    skipped_paths=SKIPPED_PATHS,
    non_article_marker=non_article_marker,
)
