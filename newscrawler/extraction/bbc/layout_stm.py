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

from newscrawler.extraction.text import (
    byline_from,
    collapse_whitespace,
    has_class,
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


def matches(selector: Selector) -> bool:
    return bool(selector.xpath('//comment()[normalize-space(.)="S BO"]'))


def headline(selector: Selector) -> str:
    return collapse_whitespace(selector.css('meta[name="Headline"]::attr(content)').get(""))


def body(selector: Selector) -> list[str]:
    story = _story_markup(selector)
    if story is None:
        return []
    return text_blocks(Selector(text=story).root, skip=_is_not_story)


def byline(selector: Selector) -> str | None:
    return byline_from(visible_texts(selector.css("div.mvb span.byl")[:1]))


def published(selector: Selector):
    return parse_utc(selector.css('meta[name="OriginalPublicationDate"]::attr(content)').get())


def modified(selector: Selector):
    return None


def _story_markup(selector: Selector) -> str | None:
    # Serialising the parsed page keeps the comments and gives normalised markup.
    markup = etree.tostring(selector.root, method="html", encoding="unicode")
    found = _STORY_MARKERS.search(markup)
    return found.group(1) if found and found.group(1).strip() else None


def _is_not_story(element) -> bool:
    return element.tag in _NOT_STORY_TAGS or any(
        has_class(element, name) for name in _NOT_STORY_CLASSES
    )
