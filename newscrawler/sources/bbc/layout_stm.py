"""news.bbc.co.uk `.stm` story pages, 2006 to early 2010.

The publishing system wrapped the story in `<!-- S BO -->` ... `<!-- E BO -->`
comments. Those markers are template text, not structure: they can sit at
different depths (the body may start inside a <font> and end inside a later
<p>), and paragraphs are often unclosed `<p>` runs or bare text. So the body is
the markup between the markers, re-parsed and split at block elements. Image
boxes (tables), embedded video with its caption, the byline box and reader
quote boxes are left out, as the reference data expects.
"""
import re

from lxml import etree
from parsel import Selector

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having_class, xpath
from newscrawler.extraction.text import (
    byline_from,
    parse_utc,
    text_blocks,
    visible_texts,
)

_STORY_MARKERS = re.compile(r"<!--\s*S BO\s*-->(.*?)<!--\s*E BO\s*-->", re.DOTALL)

_NOT_STORY_TAGS = frozenset({"table", "form", "iframe"})
_NOT_STORY_CLASSES = frozenset({
    "mvb",  # byline box
    "videoInStoryA", "videoInStoryB", "videoInStoryC",  # embedded player and its caption
    "qboxflr",  # "Have your say" reader quote
})


_STORY_START = xpath('//comment()[normalize-space(.)="S BO"]')
# div.mvb span.byl
_BYLINES = xpath(having_class(having_class("//div", "mvb") + "/descendant::span", "byl"))


class BbcStm(Layout):
    name = "bbc-stm"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY_START))

    def headline(self, page: Page) -> str:
        return (page.meta("Headline") or "").strip()

    def body(self, page: Page) -> list[str]:
        story = _story_markup(page)
        if story is None:
            return []
        return text_blocks(Selector(text=story).root, skip=_is_not_story)

    def byline(self, page: Page) -> str | None:
        return byline_from(visible_texts(page.find(_BYLINES)[:1]))

    def published(self, page: Page):
        return parse_utc(page.meta("OriginalPublicationDate"))

    def modified(self, page: Page):
        return None


def _story_markup(page: Page) -> str | None:
    # Serialising the parsed page keeps the comments and gives normalised markup.
    markup = etree.tostring(page.root, method="html", encoding="unicode")
    found = _STORY_MARKERS.search(markup)
    return found.group(1) if found and found.group(1).strip() else None


def _is_not_story(element) -> bool:
    return element.tag in _NOT_STORY_TAGS or not _NOT_STORY_CLASSES.isdisjoint(
        (element.get("class") or "").split()
    )
