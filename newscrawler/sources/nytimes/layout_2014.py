"""The story pages of the January 2014 redesign, used until 2017/2018.

`article#story` holds the story in one or more `div.story-body` blocks (inside
`div.story-body-supplemental`), whose paragraphs are marked
`p[itemprop=articleBody]` (2014) and `p.story-body-text.story-content` (by
2017): the reference parser reads exactly those. Photos, "story interrupters"
(related links, newsletter promos) and ads are divs or figures between them,
and the `footer.story-footer` (corrections, print citation) lies outside.
"""
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, xpath
from newscrawler.sources.nytimes.base import NytLayout, block_texts, first_text_of

_STORY_PARAGRAPH_TEST = (
    "contains(concat(' ', normalize-space(@class), ' '), ' story-body-text ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' story-content ')"
    " or @itemprop = 'articleBody'"
)
# article#story p.story-body-text, p.story-content, p[itemprop=articleBody]
_STORY_PARAGRAPHS = xpath(having("//article", "id", "story") + f"/descendant::p[{_STORY_PARAGRAPH_TEST}]")
_IS_STORY_PARAGRAPH = xpath(f"boolean(self::p[{_STORY_PARAGRAPH_TEST}])")
_HEADLINES = (
    xpath(having("//h1", "itemprop", "headline")),
    xpath(having("//h1", "id", "headline")),
    xpath(having("//h1", "id", "story-heading")),
    xpath("//article//header//h1"),
)


class Layout2014(NytLayout):
    name = "nytimes-2014"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY_PARAGRAPHS))

    def headline(self, page: Page) -> str:
        return first_text_of(page, _HEADLINES)

    def body(self, page: Page) -> list[str]:
        """The blocks of each story part (a parent of story paragraphs), in
        order: its story paragraphs, sub-headings and lists; other
        paragraphs in it (notes, print citations) are not the story's."""
        blocks = []
        for part in _story_parts(page):
            for child in part.iterchildren("*"):
                if child.tag != "p" or _IS_STORY_PARAGRAPH(child):
                    blocks.extend(block_texts(child))
        return blocks


def _story_parts(page: Page) -> list:
    parts = {}
    for paragraph in page.find(_STORY_PARAGRAPHS):
        parts.setdefault(paragraph.getparent(), None)
    return list(parts)
