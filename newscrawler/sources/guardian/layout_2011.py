"""The R2 platform's article pages on guardian.co.uk (and, to early 2014,
theguardian.com): captures here from 2011 to January 2014.

`div#main-article-info` holds the <h1> and `p#stand-first`; `ul.article-attributes`
the byline (`li.byline`) and dateline; `div#article-body-blocks` the text, as
paragraphs, <h2> cross-heads, lists and quotes, with inline boxes between
them (`div.inline-*` images and embeds, scripts of "explainer" widgets).

The body is that container's text blocks without the boxes. The standfirst
is not part of it: the reference parser never read it on these pages, and
its published facts for them count from the first paragraph. Times come
from the Open Graph `article:published_time` / `article:modified_time`
(the Layout defaults), which carry seconds; the visible dateline does not.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, having_class, xpath
from newscrawler.extraction.text import body_blocks, byline_from, visible_text

_BODY = xpath(having("//div", "id", "article-body-blocks"))
_HEADLINE = xpath(having("//div", "id", "main-article-info") + "//h1")
_BYLINE = xpath(having_class(having_class("//ul", "article-attributes") + "/li", "byline"))
# Inline boxes in the body: pictures with their captions, embedded media and
# widgets, "related" panels.
_BOX_CLASS_PREFIXES = ("inline-", "embed", "related", "explainer", "caption")


class Layout2011(Layout):
    name = "guardian-2011"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_BODY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADLINE)

    def body(self, page: Page) -> list[str]:
        body = page.first(_BODY)
        return body_blocks(body, skip=_is_box) if body is not None else []

    def byline(self, page: Page) -> str | None:
        line = page.first(_BYLINE)
        return byline_from([visible_text(line)]) if line is not None else None


def _is_box(element) -> bool:
    if element.tag in ("figure", "aside", "table", "iframe"):
        return True
    classes = (element.get("class") or "").split()
    return element.tag == "div" and any(name.startswith(_BOX_CLASS_PREFIXES) for name in classes)
