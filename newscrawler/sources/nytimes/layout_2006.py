"""The pages of the old publishing system, 2006 to 2013 (and older articles
it kept serving for some years after).

The CMS marks the story with its own `<NYT_TEXT>` element, but opens it
inside the first `div.articleBody` and closes it after the last, so an HTML
parser ends it with the first div: the story is the paragraphs of every
`div.articleBody` (from 2012 also marked `p[itemprop=articleBody]`), with
inline photos and related links (`div.articleInline`) between them. The last
one ends with the contributors' note (`div.authorIdentification`) and the
corrections box (`div.articleCorrection`), which the reference parser read
as paragraphs too. The headline is `<NYT_HEADLINE>`, the byline the `byl`
meta name, and the time `ptime` (New York time) where the page has one.
"""
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, having_class, xpath
from newscrawler.sources.nytimes.base import NytLayout, block_texts, first_text_of

_STORY_TEXT = xpath("//nyt_text")
_IN_ARTICLE_BODY = "contains(concat(' ', normalize-space(@class), ' '), ' articleBody ') or @id = 'articleBody'"
_IN_INLINE_BLOCK = "contains(concat(' ', normalize-space(@class), ' '), ' articleInline ')"
# div.articleBody p, leaving out any inline photo or related-links block
_STORY_PARAGRAPHS = xpath(f"//div[{_IN_ARTICLE_BODY}]//p[not(ancestor::div[{_IN_INLINE_BLOCK}])]")
# div.articleBody > p[itemprop=articleBody], the 2012-2013 marking
_MARKED_PARAGRAPHS = xpath(having_class("//div", "articleBody") + "/p[@itemprop = 'articleBody']")
_HEADLINES = (
    xpath("//nyt_headline"),
    xpath(having_class("//h1", "articleHeadline")),
    xpath(having("//h1", "itemprop", "headline")),
)


class Layout2006(NytLayout):
    name = "nytimes-2006"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_STORY_TEXT) or page.find(_MARKED_PARAGRAPHS))

    def headline(self, page: Page) -> str:
        found = first_text_of(page, _HEADLINES)
        return found or (page.meta("hdl_p") or page.meta("hdl") or "").strip()

    def body(self, page: Page) -> list[str]:
        return [text for paragraph in page.find(_STORY_PARAGRAPHS) for text in block_texts(paragraph)]
