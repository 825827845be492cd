"""The responsive bbc.co.uk/news story pages, 2015 to 2019 (`div.story-body__inner`).

The body is the inner container's direct paragraphs and cross-heads. Image
captions and bulleted lists are deliberately left out: the reference data for
this layout counts paragraphs and cross-heads only, and the tracker compares
versions of the same page, so staying consistent matters more than coverage.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css, having_class, xpath
from newscrawler.extraction.text import byline_from, json_ld_value, parse_epoch_seconds, parse_utc, visible_texts

_STORY = xpath(having_class("//div", "story-body__inner"))  # div.story-body__inner
_HEADING = css("h1.story-body__h1")
_STORY_BLOCKS = xpath("./p | ./h2")
_BYLINE_NAMES = css("div.story-body .byline__name")
_HEADER_DATE = css("div.story-body .date::attr(data-seconds)")


class Bbc2015(Layout):
    name = "bbc-2015"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        return visible_texts(_STORY_BLOCKS(page.first(_STORY)))

    def byline(self, page: Page) -> str | None:
        return byline_from(visible_texts(page.find(_BYLINE_NAMES)))

    def published(self, page: Page):
        # Pages without JSON-LD show a single date in the story header.
        return parse_utc(json_ld_value(page.json_ld, "datePublished")) or parse_epoch_seconds(
            page.first(_HEADER_DATE)
        )

    def modified(self, page: Page):
        return parse_utc(json_ld_value(page.json_ld, "dateModified"))
