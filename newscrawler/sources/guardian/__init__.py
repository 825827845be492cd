"""The Guardian: theguardian.com, and guardian.co.uk before July 2013.

Articles live at /<section>[/<series>...]/<yyyy>/<mon>/<dd>/<slug>, such as
/politics/2019/nov/03/boris-johnson-apologises-tory-members-not-leaving-eu-october
or /environment/bike-blog/2012/jan/27/hgv-cyclists-safety-bike-blog. The same
shape carries live blogs (/politics/live/..., and older series such as
/world/middle-east-live/...), galleries (/gallery/, /picture/, "in pictures"),
video, audio and podcasts, interactives (/ng-interactive/, /interactive/),
cartoons, polls and crosswords, which are skipped by their path; section and
tag pages have no date in the path and are index pages.

Three layout eras, newest first: dotcom-rendering (2020-), the "frontend"
pages (2014-) and the R2 platform (to 2014). Pages also say what they are in
their own config (`"contentType":"LiveBlog"`), schema.org types and live-blog
markup; such a page is not an article whatever its URL.
"""
import re

from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, xpath
from newscrawler.sources.guardian.layout_2011 import Layout2011
from newscrawler.sources.guardian.layout_2014 import Layout2014
from newscrawler.sources.guardian.layout_2020 import Layout2020
from newscrawler.sources.source import Source, json_ld_non_article_type

_DATE = r"\d{4}/(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/\d{1,2}"
ARTICLE_PATH = re.compile(rf"^/(?:[a-z0-9-]+/)+{_DATE}/[a-z0-9-]+/?$")

SKIPPED_PATHS = (
    # /politics/live/2024/..., /world/middle-east-live/2011/..., .../live-updates
    ("live", re.compile(r"/live/|-live/\d{4}/|/[a-z0-9-]+-(?:live-updates|as-it-happened|live-blog)/?$")),
    ("gallery", re.compile(r"/(?:gallery|picture|cartoon)/|-in-pictures/?$")),
    ("video", re.compile(r"/video/")),
    ("audio", re.compile(r"/(?:audio|podcasts?)/")),
    ("interactive", re.compile(r"/(?:ng-)?interactive/")),
    ("crossword", re.compile(r"^/crosswords/")),
    ("poll", re.compile(r"/poll/")),
)

FEEDS = tuple(
    f"https://www.theguardian.com/{section}/rss"
    for section in (
        "uk",  # the UK edition's front page
        "world",
        "uk-news",
        "politics",
        "business",
        "environment",
        "science",
        "technology",
        "society",
        "commentisfree",
        "us-news",
    )
)

# The page config's content types (window.guardian.config.page.contentType)
# that are not a single article.
_NON_ARTICLE_CONTENT_TYPES = frozenset(
    {"LiveBlog", "Gallery", "Video", "Audio", "Interactive", "Crossword", "Picture"}
)
_CONTENT_TYPE = re.compile(r"""["']?contentType["']?\s*:\s*["']([A-Za-z]+)["']""")
_INLINE_SCRIPTS = xpath("//script[not(@src)]/text()")
_NON_ARTICLE_ITEMTYPES = ("LiveBlogPosting", "ImageGallery", "MediaGallery", "VideoObject", "AudioObject")
_PAGE_ITEMTYPES = xpath("/html/@itemtype | /html/body/@itemtype | (//article)[1]/@itemtype")
# Live-blog bodies: DCR and frontend (div#liveblog-body, .js-liveblog-body),
# R2 (timestamped blocks in div#article-body-blocks).
_LIVE_BLOG_BODY = xpath(
    having("//div", "id", "liveblog-body")
    + " | //div[contains(concat(' ', normalize-space(@class), ' '), ' js-liveblog-body ')]"
    + " | " + having("//div", "id", "article-body-blocks")
    + "//span[@class = 'timestamp'][a[contains(@class, 'block-link')]]"
)


def non_article_marker(page: Page) -> str | None:
    """Why the page says of itself that it is not an article, or None."""
    content_type = _config_content_type(page)
    if content_type in _NON_ARTICLE_CONTENT_TYPES:
        return f"contentType {content_type}"
    for itemtype in page.find(_PAGE_ITEMTYPES):
        if itemtype.rstrip("/").rsplit("/", 1)[-1] in _NON_ARTICLE_ITEMTYPES:
            return f"itemtype {itemtype}"
    if page.find(_LIVE_BLOG_BODY):
        return "live blog markup"
    return json_ld_non_article_type(page)


def _config_content_type(page: Page) -> str | None:
    """The content type the page's own config script states (frontend, DCR and
    late R2 pages have one), or None."""
    for script in page.find(_INLINE_SCRIPTS):
        found = _CONTENT_TYPE.search(script)
        if found:
            return found.group(1)
    return None


SOURCE = Source(
    name="guardian",
    hosts=("theguardian.com", "guardian.co.uk"),
    feeds=FEEDS,
    layouts=(Layout2020(), Layout2014(), Layout2011()),
    article_paths=(ARTICLE_PATH,),
    skipped_paths=SKIPPED_PATHS,
    non_article_marker=non_article_marker,
    # guardian.co.uk became theguardian.com in 2013, keeping every path
    canonical_host="www.theguardian.com",
    host_aliases=frozenset({"guardian.co.uk", "www.guardian.co.uk", "theguardian.com", "www.theguardian.com"}),
)
