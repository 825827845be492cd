"""The Independent (independent.co.uk, and the-independent.com since 2024).

Article URLs end in the story's number, in the shape of their era:
`...-9081407.html` (Escenic, to 2015, 7 or 8 digits), `...-a6693481.html`
(Drupal, from September 2015), `...-b1767027.html` (from 2020); the oldest
were `.../article1234567.ece`. Galleries, video pages (`/tv/...`) and live
blogs share that shape, so they are told apart by their section or slug, and
after fetching by what the page says of itself (JSON-LD `LiveBlogPosting`, the
`article:content_type` meta tag, the live blog's page class). Section and topic
pages have no number: they are index pages.
"""
import re

from newscrawler.extraction.page import Page
from newscrawler.extraction.query import class_containing, xpath
from newscrawler.sources.independent.layout_2014 import Independent2014
from newscrawler.sources.independent.layout_2015 import Independent2015
from newscrawler.sources.independent.layout_2020 import Independent2020
from newscrawler.sources.source import Source, json_ld_non_article_type

# article:content_type values of pages that are not one article ("story" is an
# article; values not listed are taken as articles too).
_NON_ARTICLE_CONTENT_TYPES = frozenset({"liveblog", "gallery", "photogallery", "imagegallery", "video"})
# The class the site gives a live blog's page: .article-liveblog in its styles.
_LIVE_BLOG_CLASS = xpath(class_containing("//*", "article-liveblog"))


def non_article_marker(page: Page) -> str | None:
    return json_ld_non_article_type(page) or _content_type_marker(page) or _live_blog_marker(page)


def _content_type_marker(page: Page) -> str | None:
    content_type = page.meta("article:content_type") or page.meta_property("article:content_type")
    normal = re.sub(r"[^a-z]", "", (content_type or "").lower())
    return f"article:content_type {content_type}" if normal in _NON_ARTICLE_CONTENT_TYPES else None


def _live_blog_marker(page: Page) -> str | None:
    for element in page.find(_LIVE_BLOG_CLASS):
        if "article-liveblog" in element.get("class", "").split():
            return "live blog page class"
    return None


SOURCE = Source(
    name="independent",
    hosts=("independent.co.uk", "the-independent.com"),
    feeds=(
        "https://www.independent.co.uk/news/rss",
        "https://www.independent.co.uk/news/uk/rss",
        "https://www.independent.co.uk/news/world/rss",
        "https://www.independent.co.uk/news/uk/politics/rss",
        "https://www.independent.co.uk/news/business/rss",
    ),
    layouts=(Independent2020(), Independent2015(), Independent2014()),
    article_paths=(
        re.compile(r"/.+-[ab]?\d{6,9}\.html$"),
        re.compile(r"/.+/article\d{6,9}\.ece$"),
    ),
    skipped_paths=(
        ("live", re.compile(r"(?:^|/)live/|(?:^|[/-])(?:live-updates|live-blog|liveblog)(?:[-/.]|$)")),
        ("gallery", re.compile(r"/(?:pictures|gallery|galleries|photos)/|(?:^|[/-])in-pictures-")),
        ("video", re.compile(r"^/tv/|/videos?/")),
    ),
    non_article_marker=non_article_marker,
    # articles moved to the-independent.com in 2025; the old addresses redirect there
    canonical_host="www.the-independent.com",
    host_aliases=frozenset({"independent.co.uk", "www.independent.co.uk", "the-independent.com",
                            "www.the-independent.com"}),
)
