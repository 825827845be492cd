"""The "frontend" (next-gen) article pages, 2014 to the move to DCR.

An `<article id="article">` with schema.org microdata: `h1[itemprop=headline]`,
`div.content__standfirst`, `p.byline` with `[itemprop=author]` names,
`time[itemprop=datePublished]`, and the text in
`div.content__article-body[itemprop=articleBody]`. The body's direct children
are the article's paragraphs, sub-headings, lists and quotes; everything else
there is a box: `figure.element` (images, embeds, interactives), `aside`
(rich links, pull quotes), `div.after-article`, `div.submeta` (topics and
share buttons), ad slots.

The body is the standfirst's paragraphs, then those children's text.
Captions are left out, as the reference parser does for this outlet.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, having_class, xpath
from newscrawler.extraction.text import body_blocks, byline_from, has_class, paragraphs_or_text, visible_text, visible_texts

# div.content__article-body (which also carries itemprop=articleBody)
_BODY = xpath(having_class("//div", "content__article-body"))
_TEXT_CHILDREN = xpath("./p | ./h2 | ./h3 | ./h4 | ./ul | ./ol | ./blockquote")
# The first, where a page repeats it for another screen size.
_HEADLINE = xpath(
    "(" + having("//h1", "itemprop", "headline") + " | " + having_class("//h1", "content__headline") + ")[1]"
)
_STANDFIRST = xpath(having_class("//div", "content__standfirst"))
_STANDFIRST_DESCRIPTION = xpath(
    having(having_class("//div", "content__standfirst") + "/meta", "itemprop", "description") + "/@content"
)
_BYLINE = xpath(having_class("//p", "byline"))
# Contributors with a profile: microdata names, or the profile links.
_AUTHOR_NAMES = xpath(".//*[@itemprop = 'author']//*[@itemprop = 'name']")
_AUTHOR_LINKS = xpath(".//a[@rel = 'author']")


class Layout2014(Layout):
    name = "guardian-2014"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_BODY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADLINE)

    def body(self, page: Page) -> list[str]:
        body = page.first(_BODY)
        if body is None:
            return []
        blocks = self._standfirst(page)
        for child in _TEXT_CHILDREN(body):
            if has_class(child, "social"):  # share buttons
                continue
            if child.tag in ("ul", "ol", "blockquote"):
                blocks.extend(body_blocks(child))
            elif text := visible_text(child):
                blocks.append(text)
        return blocks

    def _standfirst(self, page: Page) -> list[str]:
        standfirst = page.first(_STANDFIRST)
        blocks = paragraphs_or_text(standfirst) if standfirst is not None else []
        if not blocks:  # a standfirst given only as its microdata description
            description = page.first(_STANDFIRST_DESCRIPTION, "").strip()
            blocks = [description] if description else []
        return blocks

    def byline(self, page: Page) -> str | None:
        line = page.first(_BYLINE)
        if line is None:
            return super().byline(page)
        # A credit without profiles ("Staff and agencies") is read as written.
        return (
            byline_from(visible_texts(_AUTHOR_NAMES(line)))
            or byline_from(visible_texts(_AUTHOR_LINKS(line)))
            or byline_from([visible_text(line)])
        )
