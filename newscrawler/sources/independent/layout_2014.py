"""The Escenic pages of 2010 to 2015 (`...-9081407.html`).

The story is split over `div.articleContent` widgets inside `div#main`: a
`span.storyTop` with the first paragraph, then `div.body` with the rest.
Paragraphs are the blocks (the reference parser for these pages counts
nothing else); an inline image sits inside a paragraph, so its caption is left
out of that paragraph's text, as are embedded video players.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css, having_class, xpath
from newscrawler.extraction.text import byline_from, visible_texts
from newscrawler.sources.independent.blocks import body_blocks

_STORY_PARTS = xpath(having_class("//div[@id = 'main']//div", "articleContent"))
_HEADING = css("div#main h1.title")
_AUTHOR_NAMES = css("div#main div.byline span.authorName")
_INLINE_IMAGE_CLASSES = frozenset({"inline-image", "inLineImageCaption"})


def _is_inline_image(element) -> bool:
    return not _INLINE_IMAGE_CLASSES.isdisjoint((element.get("class") or "").split())


class Independent2014(Layout):
    name = "independent-2014"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY_PARTS))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        return [block for part in page.find(_STORY_PARTS)
                for block in body_blocks(part, _is_inline_image, through_wrappers=True)]

    def byline(self, page: Page) -> str | None:
        return byline_from(visible_texts(page.find(_AUTHOR_NAMES))) or super().byline(page)
