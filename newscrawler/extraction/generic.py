"""The general article extractor, for pages of outlets without a folder of their own.

It reads what almost every article page publishes about itself: schema.org
JSON-LD (headline, author, dates, and `articleBody` where a page has it), Open
Graph and `article:*` meta tags, and else the longest run of paragraphs in the
page's main article container.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import xpath
from newscrawler.extraction.text import json_ld_value, visible_text

# Containers an article's text is usually in, most specific first.
_CONTAINERS = tuple(xpath(query) for query in (
    "//*[@itemprop='articleBody']",
    "//article",
    "//main",
    "//body",
))
_HEADINGS = xpath("//h1")
_BLOCKS = xpath(".//p | .//h2 | .//h3 | .//li[not(ancestor::nav)]")
_CHROME = frozenset({"nav", "header", "footer", "aside", "form", "figure"})
MIN_PARAGRAPH_WORDS = 4


class GenericArticle(Layout):
    name = "generic"

    def matches(self, page: Page) -> bool:
        return True

    def headline(self, page: Page) -> str:
        headline = json_ld_value(page.json_ld, "headline")
        if isinstance(headline, str) and headline.strip():
            return headline.strip()
        return page.meta_property("og:title") or page.first_text(_HEADINGS)

    def body(self, page: Page) -> list[str]:
        article_body = json_ld_value(page.json_ld, "articleBody")
        if isinstance(article_body, str) and article_body.strip():
            return [block.strip() for block in article_body.splitlines() if block.strip()]
        for container in _CONTAINERS:
            found = page.find(container)
            if found:
                blocks = [visible_text(block) for block in _BLOCKS(found[0]) if not _in_chrome(block)]
                blocks = [block for block in blocks if len(block.split()) >= MIN_PARAGRAPH_WORDS]
                if blocks:
                    return blocks
        return []


def _in_chrome(element) -> bool:
    return any(ancestor.tag in _CHROME for ancestor in element.iterancestors())



