"""Arc (Fusion) article pages, late 2019 to the early 2020s.

The page is one `article[data-qa="main"]` whose story is a `div.article-body`
(a teaser and a "remainder" part, each a run of paragraphs between ad
slots); the headline is `h1[data-qa="headline"]`, the byline
`[data-qa="byline"]`. JSON-LD names the authors (in this era as one Person
whose name lists them all) and gives both times, which the Layout defaults read.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, xpath
from newscrawler.extraction.text import byline_from, json_ld_value, visible_texts
from newscrawler.sources.washingtonpost.blocks import body_blocks

_HAS_BODY_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' article-body ')"
# The outermost div.article-body elements of the main article.
_STORY = xpath(f"//*[@data-qa='main']//div[{_HAS_BODY_CLASS}][not(ancestor::div[{_HAS_BODY_CLASS}])]")
_HEADLINE = xpath(having("//h1", "data-qa", "headline"))
# The byline's author links: 2024 a[rel=author], 2019 span.author-name (its
# tooltips repeat each name in a div.author-name, which is left out).
_AUTHOR_NAMES = xpath(
    "//*[@data-qa='author-byline' or @data-qa='byline']"
    "//*[self::a[@rel='author' or @data-qa='author-name'] or self::span[contains(@class, 'author-name')]]"
)


class WashingtonPost2019(Layout):
    name = "washingtonpost-2019"
    containers = _STORY  # the query of the story's body containers

    def matches(self, page: Page) -> bool:
        return bool(page.find(self.containers))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADLINE) or _one_line(json_ld_value(page.json_ld, "headline"))

    def body(self, page: Page) -> list[str]:
        return body_blocks(page.find(self.containers))

    def byline(self, page: Page) -> str | None:
        return super().byline(page) or byline_from(visible_texts(page.find(_AUTHOR_NAMES)))


def _one_line(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
