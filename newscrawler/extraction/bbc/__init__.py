"""BBC News pages, one module per layout era.

Each layout module offers the same functions of a parsed Page:
`matches` (a cheap marker check), `headline`, `body`, `byline`, `published`
and `modified`. `find_layout` tries them newest first.
"""
from parsel import Selector

from newscrawler.extraction.bbc import (
    layout_2010,
    layout_2015,
    layout_2020,
    layout_2020_video,
    layout_stm,
)
from newscrawler.extraction.page import Page
from newscrawler.extraction.text import json_ld_types

HOSTS = ("bbc.co.uk", "bbc.com")

LAYOUTS = (layout_2020, layout_2020_video, layout_2015, layout_2010, layout_stm)

# The 2006-2014 publishing system labels every page with its asset type.
_ARTICLE_ASSET_TYPES = frozenset({
    "STY",  # story
    "CSP",  # correspondent story
    "MAP",  # media asset (video with a text summary, tracked like an article)
})
_ARTICLE_CONTENT_FLAVORS = frozenset({"STORY"})
# schema.org types that say the page is not a single article.
_NON_ARTICLE_JSON_LD_TYPES = frozenset({"LiveBlogPosting"})


def find_layout(page: Page | Selector):
    """The first layout module, newest era first, that recognises the page, or None.
    (A parsel Selector of the page will do as well.)"""
    if isinstance(page, Selector):
        page = Page(page.root)
    return next((layout for layout in LAYOUTS if layout.matches(page)), None)


def non_article_marker(page: Page) -> str | None:
    """Why the page says of itself that it is not an article (live page, index,
    gallery...), or None if it does not say so."""
    return _cms_non_article_label(page) or _json_ld_non_article_type(page)


def _cms_non_article_label(page: Page) -> str | None:
    asset_type = _meta(page, "CPS_ASSET_TYPE")
    if asset_type:  # the precise label when present; contentFlavor is the older one
        return None if asset_type.upper() in _ARTICLE_ASSET_TYPES else f"CPS_ASSET_TYPE {asset_type}"
    flavor = _meta(page, "contentFlavor")
    if flavor and flavor.upper() not in _ARTICLE_CONTENT_FLAVORS:
        return f"contentFlavor {flavor}"
    return None


def _json_ld_non_article_type(page: Page) -> str | None:
    for obj in page.json_ld:
        for name in json_ld_types(obj):
            if name in _NON_ARTICLE_JSON_LD_TYPES:
                return f"JSON-LD @type {name}"
    return None


def _meta(page: Page, name: str) -> str:
    return (page.meta(name) or "").strip()
