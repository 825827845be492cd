"""The story pages of 2019 onwards: the body is `section[name=articleBody]`.

The section holds the story as a run of companion columns
(`div.StoryBodyCompanionColumn`, from about 2021 also
`data-testid="companionColumn-N"`), each an inner div of paragraphs,
sub-headings and lists beside an empty `aside`; photos, videos, embedded
interactives, ads and related links sit between the columns, outside them.
The headline is the page's h1 (`data-testid="headline"`), which can differ
from the SEO headline in the JSON-LD.
"""
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, xpath
from newscrawler.sources.nytimes.base import NytLayout, block_texts, blocks_of, first_text_of

_COMPANION_COLUMN = (
    "div[contains(@class, 'StoryBodyCompanionColumn') or starts-with(@data-testid, 'companionColumn-')]"
)
# //section[@name="articleBody"]//div[...companion column...]
_COLUMNS = xpath(having("//section", "name", "articleBody") + "/descendant::" + _COMPANION_COLUMN)
_HEADLINES = (
    xpath(having("//h1", "data-testid", "headline")),
    xpath(having("//h1", "data-test-id", "headline")),
    xpath(having("//h1", "itemprop", "headline")),
    xpath("//article//header//h1"),
)


class Layout2020(NytLayout):
    name = "nytimes-2020"
    columns = _COLUMNS

    def matches(self, page: Page) -> bool:
        return bool(page.find(self.columns))

    def headline(self, page: Page) -> str:
        return first_text_of(page, _HEADLINES)

    def body(self, page: Page) -> list[str]:
        blocks = []
        for column in page.find(self.columns):
            blocks.extend(column_blocks(column))
        return blocks


def column_blocks(column) -> list[str]:
    """A companion column's text: the blocks of its inner div (or divs), and
    any block placed in the column itself."""
    blocks = []
    for child in column.iterchildren("*"):
        blocks.extend(blocks_of(child) if child.tag == "div" else block_texts(child))
    return blocks
