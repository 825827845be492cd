"""Component-built article pages, 2020 onwards, including the 2024
`news/articles/<id>` pages (which add headline-, byline- and metadata-block
components but keep the same body components).

Every part of the article is a `data-component` block, a child of <article>;
the body is the text of the reading components in document order. Other
components are skipped: related topics, "more on this story", metadata strips,
and "include" embeds (policy guides, forms), even when they nest a text block.
"""
from parsel import Selector

from newscrawler.extraction.text import (
    byline_from,
    json_ld_person_names,
    json_ld_value,
    parse_utc,
    visible_text,
    visible_texts,
)

# Which elements of each reading component hold its text blocks.
_BLOCKS_OF_COMPONENT = {
    "text-block": ".//p",
    "crosshead-block": ".",
    "subheadline-block": ".",
    "image-block": ".//figcaption",
    "media-block": ".//figcaption",
    "video-block": ".//figcaption",
    "unordered-list-block": ".//li",
    "ordered-list-block": ".//li",
}


def matches(selector: Selector) -> bool:
    return bool(selector.xpath('//article//*[@data-component="text-block"]'))


def headline(selector: Selector) -> str:
    heading = selector.css("article h1#main-heading, article h1")
    return visible_text(heading[0]) if heading else ""


def body(selector: Selector) -> list[str]:
    blocks = []
    for component in selector.xpath("//article/*[@data-component]"):
        text_path = _BLOCKS_OF_COMPONENT.get(component.attrib["data-component"])
        if text_path:
            blocks.extend(visible_texts(component.xpath(text_path)))
    return blocks


def byline(selector: Selector) -> str | None:
    return byline_from(json_ld_person_names(selector))


def published(selector: Selector):
    return parse_utc(json_ld_value(selector, "datePublished")) or parse_utc(
        selector.css("article time::attr(datetime)").get()
    )


def modified(selector: Selector):
    return parse_utc(json_ld_value(selector, "dateModified"))
