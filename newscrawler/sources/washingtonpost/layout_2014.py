"""PageBuilder article pages, autumn 2014 to 2016.

The headline is in `div#article-topper`; the `pb-f-article-article-body`
feature holds a sig line (`span.pb-byline`, `span.pb-timestamp`) and the
story, an <article> of paragraphs. These pages have no JSON-LD: the
publication time is the Washington time the sig line shows ("September 5 at
7:12 PM"), in the year of its `datePublished` microdata (written as
"2015-12-23T12:34-500", on a 12-hour clock without AM or PM, so only its
date is used) or of the URL in `og:url`.
"""
import re

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import class_containing, having, xpath
from newscrawler.extraction.text import byline_from, visible_text, visible_texts
from newscrawler.sources.washingtonpost.blocks import body_blocks
from newscrawler.sources.washingtonpost.dates import parse_shown_time

_BODY_FEATURE = class_containing("//div", "pb-f-article-article-body")
_STORY = xpath(_BODY_FEATURE + "/descendant::article[not(ancestor::article)]")
_TOPPER_HEADLINE = xpath(having("//div", "id", "article-topper") + "/descendant::h1")
_MICRODATA_HEADLINE = xpath(having("//h1", "itemprop", "headline"))
# The first sig line's byline: microdata names, or the author links of older pages.
_BYLINE = xpath("(" + class_containing("//span", "pb-byline") + ")[1]")
_MICRODATA_NAMES = xpath(having(".//*", "itemprop", "name"))
_LINKS = xpath(".//a")
_TIMESTAMP = xpath("(" + class_containing("//span", "pb-timestamp") + ")[1]")
_YEAR = re.compile(r"^(\d{4})-\d{2}-\d{2}")
_URL_YEAR = re.compile(r"/(\d{4})/\d{2}/\d{2}/")


class WashingtonPost2014(Layout):
    name = "washingtonpost-2014"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY))

    def headline(self, page: Page) -> str:
        return page.first_text(_TOPPER_HEADLINE) or page.first_text(_MICRODATA_HEADLINE)

    def body(self, page: Page) -> list[str]:
        return body_blocks(page.find(_STORY))

    def byline(self, page: Page) -> str | None:
        byline = page.first(_BYLINE)
        if byline is None:
            return super().byline(page)
        return byline_from(visible_texts(_MICRODATA_NAMES(byline) or _LINKS(byline))) or super().byline(page)

    def published(self, page: Page):
        timestamp = page.first(_TIMESTAMP)
        if timestamp is None:
            return super().published(page)
        return parse_shown_time(visible_text(timestamp), _year_of(page, timestamp)) or super().published(page)


def _year_of(page: Page, timestamp) -> int | None:
    found = _YEAR.match(timestamp.get("content") or "") or _URL_YEAR.search(page.meta_property("og:url") or "")
    return int(found.group(1)) if found else None
