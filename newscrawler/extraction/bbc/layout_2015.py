"""The responsive bbc.co.uk/news story pages, 2015 to 2019 (`div.story-body__inner`).

The body is the inner container's direct paragraphs and cross-heads. Image
captions and bulleted lists are deliberately left out: the reference data for
this layout counts paragraphs and cross-heads only, and the tracker compares
versions of the same page, so staying consistent matters more than coverage.
"""
from parsel import Selector

from newscrawler.extraction.text import (
    byline_from,
    json_ld_value,
    parse_epoch_seconds,
    parse_utc,
    visible_text,
    visible_texts,
)

_STORY_BLOCKS = "./p | ./h2"


def matches(selector: Selector) -> bool:
    return bool(selector.css("div.story-body__inner"))


def headline(selector: Selector) -> str:
    heading = selector.css("h1.story-body__h1")
    return visible_text(heading[0]) if heading else ""


def body(selector: Selector) -> list[str]:
    return visible_texts(selector.css("div.story-body__inner")[0].xpath(_STORY_BLOCKS))


def byline(selector: Selector) -> str | None:
    return byline_from(visible_texts(selector.css("div.story-body .byline__name")))


def published(selector: Selector):
    # Pages without JSON-LD show a single date in the story header.
    return parse_utc(json_ld_value(selector, "datePublished")) or parse_epoch_seconds(
        selector.css("div.story-body .date::attr(data-seconds)").get()
    )


def modified(selector: Selector):
    return parse_utc(json_ld_value(selector, "dateModified"))
