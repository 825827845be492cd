"""Story pages from 2010 to early 2015: the last news.bbc.co.uk `.stm` pages
(`div#story-body`) and the bbc.co.uk/news pages that followed (`div.story-body`).

The story's own text is the body container's direct children: paragraphs,
cross-heads and bulleted lists. Everything else in the container (video and
its caption, image captions, "story-feature" boxes, market data, embedded
indexes, twitter modules, reader comments) is a nested box and is left out.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css_xpath, having, having_class, xpath
from newscrawler.extraction.text import byline_from, parse_utc, visible_texts

# div#story-body, div.story-body
_STORY_BODY = xpath(
    having("//div", "id", "story-body") + " | " + having_class("//div", "story-body")
)
# h1.story-header, #meta-information h1
_HEADING = xpath(
    css_xpath("h1.story-header")
    + " | "
    + having("//*", "id", "meta-information")
    + "/descendant::h1"
)
_STORY_BLOCKS = xpath("./p | ./*[contains(@class, 'cross-head')] | ./ul/li")
# The article's own byline, not those of analysis boxes inside the story.
_BYLINE_NAME = xpath("./*[contains(@class, 'byline')]//*[contains(@class, 'byline-name')]")


class Bbc2010(Layout):
    name = "bbc-2010"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY_BODY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        story = page.first(_STORY_BODY)
        return visible_texts(_STORY_BLOCKS(story)) if story is not None else []

    def byline(self, page: Page) -> str | None:
        story = page.first(_STORY_BODY)
        names = _BYLINE_NAME(story) if story is not None else []
        return byline_from(visible_texts(names))

    def published(self, page: Page):
        return parse_utc(page.meta("OriginalPublicationDate"))

    def modified(self, page: Page):
        return None
