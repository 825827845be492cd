"""The Drupal pages of September 2015 onwards (`...-a6693481.html`).

An `<article>` with schema.org microdata: `h1[itemprop=headline]`, authors
as `[itemprop=author] [itemprop=name]`, and the story in
`div.text-wrapper[itemprop=articleBody]`. The story's paragraphs, sub-headings
and lists are that container's own children; everything else in it is a
widget of its own element (a "Read more" box, an embedded gallery or video,
share buttons) or the "More about" topic list at its end.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css, having, xpath
from newscrawler.extraction.text import byline_from, visible_texts
from newscrawler.sources.independent.blocks import body_blocks

# div.text-wrapper[itemprop=articleBody] inside an <article>
_STORY = xpath(having("//article//div", "itemprop", "articleBody")
               + "/self::*[contains(concat(' ', normalize-space(@class), ' '), ' text-wrapper ')]")
_HEADING = css("article h1[itemprop=headline]")
_AUTHOR_NAMES = css("article [itemprop=author] [itemprop=name]")
_TOPIC_LIST_CLASS = "inline-pipes-list"  # "More about: <topic> | <topic>"


def _is_topic_list(element) -> bool:
    return _TOPIC_LIST_CLASS in (element.get("class") or "").split()


class Independent2015(Layout):
    name = "independent-2015"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        return body_blocks(page.first(_STORY), _is_topic_list, through_wrappers=False)

    def byline(self, page: Page) -> str | None:
        return (byline_from(visible_texts(page.find(_AUTHOR_NAMES)))
                or byline_from(filter(None, [page.meta("article:author_name")]))
                or super().byline(page))
