"""Component-built article pages, 2020 onwards, including the 2024
`news/articles/<id>` pages (which add headline-, byline- and metadata-block
components but keep the same body components).

Every part of the article is a `data-component` block, a child of <article>;
the body is the text of the reading components in document order. Other
components are skipped: related topics, "more on this story", metadata strips,
and "include" embeds (policy guides, forms), even when they nest a text block.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css, having, xpath
from newscrawler.extraction.text import json_ld_value, parse_utc, visible_texts

# Which elements of each reading component hold its text blocks.
_PARAGRAPHS = xpath(".//p")
_ITSELF = xpath(".")
_CAPTIONS = xpath(".//figcaption")
_LIST_ITEMS = xpath(".//li")
_BLOCKS_OF_COMPONENT = {
    "text-block": _PARAGRAPHS,
    "crosshead-block": _ITSELF,
    "subheadline-block": _ITSELF,
    "image-block": _CAPTIONS,
    "media-block": _CAPTIONS,
    "video-block": _CAPTIONS,
    "unordered-list-block": _LIST_ITEMS,
    "ordered-list-block": _LIST_ITEMS,
}
# //article//*[@data-component="text-block"]
_TEXT_BLOCK = xpath(having("//article/descendant::*", "data-component", "text-block"))
_HEADING = css("article h1#main-heading, article h1")
_COMPONENTS = xpath("//article/*[@data-component]")
_TIME = css("article time::attr(datetime)")


class Bbc2020(Layout):
    """JSON-LD gives the byline (Person authors only) and the modification time."""

    name = "bbc-2020"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_TEXT_BLOCK))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        blocks = []
        for component in page.find(_COMPONENTS):
            text_blocks_of = _BLOCKS_OF_COMPONENT.get(component.attrib["data-component"])
            if text_blocks_of:
                blocks.extend(visible_texts(text_blocks_of(component)))
        return blocks

    def published(self, page: Page):
        return parse_utc(json_ld_value(page.json_ld, "datePublished")) or parse_utc(page.first(_TIME))
