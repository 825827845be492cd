"""The Methode-era article pages, to mid-2014 (`div.article_body`).

The story is one or more `div.article_body` containers (split around inline
photos), each an <article> of paragraphs; its first lines are the byline,
time stamp and e-mail link (`p.pin-and-stack`, left out). A blockquote of
several quoted paragraphs separated by <br>s is one block, as the reference
data counts it. The page names its authors in `DC.creator`, its publication
time as milliseconds (`span.timestamp[dateTitle="published"]`) and its last
update in `eomportal-lastUpdate` ("Sun Jan 19 17:13:55 EST 2014").
"""
import re

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, having_class, xpath
from newscrawler.extraction.text import byline_from, visible_texts
from newscrawler.sources.washingtonpost.blocks import body_blocks
from newscrawler.sources.washingtonpost.dates import parse_epoch_milliseconds, parse_zoned_stamp

_STORY = xpath(having_class("//div", "article_body"))
_HEADLINE = xpath(having("//h1", "property", "dc.title"))
_AUTHORS = xpath(having_class("//span", "author"))
_PUBLISHED_MILLISECONDS = xpath(having("//span", "datetitle", "published") + "/@epochtime")
_NAME_SEPARATOR = re.compile(r",\s*|\s+and\s+")


class WashingtonPost2013(Layout):
    name = "washingtonpost-2013"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADLINE) or (page.meta("DC.title") or "").strip()

    def body(self, page: Page) -> list[str]:
        return body_blocks(page.find(_STORY))

    def byline(self, page: Page) -> str | None:
        return _names_byline([page.meta("DC.creator") or ""]) or _names_byline(visible_texts(page.find(_AUTHORS)))

    def published(self, page: Page):
        return parse_epoch_milliseconds(page.first(_PUBLISHED_MILLISECONDS))

    def modified(self, page: Page):
        return parse_zoned_stamp(page.meta("eomportal-lastUpdate"))


def _names_byline(texts) -> str | None:
    """One byline from texts that may each name several people ("Griff Witte and Karla Adam")."""
    return byline_from(name for text in texts for name in _NAME_SEPARATOR.split(text))
