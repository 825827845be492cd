"""The pages of late 2020 onwards (`...-b1767027.html`), older stories
included: the site now serves every article it keeps in this layout, on
independent.co.uk and on the-independent.com.

An `<article>` holds `header#articleHeader` (headline, standfirst, author,
dates, lead image) and `div#main`, the story. The story's paragraphs,
sub-headings and lists are `div#main`'s own children; what else it holds
is nested in elements of its own: the support appeal, inline "Read more"
links, images and galleries, embedded posts, newsletter sign-ups, adverts,
the "More about" topics and the comments prompt. The standfirst is not part
of the body. JSON-LD gives authors and dates.

If a page has no such children, its story is taken from wrapper elements
inside `div#main`, leaving out those whose class or id names furniture.
"""
import re

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import css, xpath
from newscrawler.extraction.text import byline_from, json_ld_value, visible_texts
from newscrawler.sources.independent.blocks import body_blocks

_STORY = xpath("//article//div[@id = 'main']")
_HEADING = css("header#articleHeader h1, article h1")
_AUTHOR_LINKS = css("header#articleHeader a[href*='/author/']")
# Names of furniture in class and id attributes (the site's own class names;
# generated ones such as "sc-1xt8011-0 eLpUOs" say nothing and are kept).
_FURNITURE_NAME = re.compile(
    r"newsletter|support|donat|subscri|read-?more|related|comment|advert|\bads?\b|\bad-|"
    r"taboola|outbrain|gallery|video|lightbox|piano|paywall|share|social|embed|topics|"
    r"bookmark|promo|sponsor|affiliate|inline-",
    re.IGNORECASE,
)


def _never(element) -> bool:
    return False


def _names_furniture(element) -> bool:
    return bool(_FURNITURE_NAME.search(f"{element.get('class', '')} {element.get('id', '')}"))


class Independent2020(Layout):
    name = "independent-2020"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY))

    def headline(self, page: Page) -> str:
        headline = json_ld_value(page.json_ld, "headline")
        return page.first_text(_HEADING) or (
            headline.strip() if isinstance(headline, str) else "")

    def body(self, page: Page) -> list[str]:
        story = page.first(_STORY)
        return (body_blocks(story, _never, through_wrappers=False)
                or body_blocks(story, _names_furniture, through_wrappers=True))

    def byline(self, page: Page) -> str | None:
        author_name = page.meta("article:author_name") or page.meta_property("article:author_name")
        return (super().byline(page)
                or byline_from(filter(None, [author_name]))
                or byline_from(visible_texts(page.find(_AUTHOR_LINKS))))
