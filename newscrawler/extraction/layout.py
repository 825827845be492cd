"""What every layout era of every source offers: one article field per method.

A layout reads a parsed `Page` and answers with plain values; it never
fetches, reads settings or the clock. A source lists its layouts newest
first, and extraction uses the first whose `matches()` recognises the page
(a cheap marker check: a container, a meta tag, a JSON-LD type).

The defaults read what most news pages publish about themselves: schema.org
JSON-LD (`author`, `datePublished`, `dateModified`) and the Open Graph
`article:*` meta properties. A layout overrides what its pages say otherwise.
"""
import re
from datetime import datetime

from newscrawler.extraction.page import Page
from newscrawler.extraction.text import byline_from, json_ld_person_names, json_ld_value, parse_utc


_HTML_OPEN = re.compile(r"<html[\s>]", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"</html\s*>", re.IGNORECASE)
_EDGE = 4096  # characters at each end of the page where the <html> tags are looked for


class Layout:
    """One layout era of one outlet's article pages."""

    # A short stable name, such as "guardian-2016"; recorded with each revision
    # as the extractor that read it.
    name = ""

    def matches(self, page: Page) -> bool:
        raise NotImplementedError

    def is_complete(self, text: str) -> bool:
        """Whether the page (its decoded text) came whole. A page that opens
        <html> but never closes it was cut off in transfer or at the source:
        what it has of the article cannot be trusted to be all of it. A layout
        whose template ends otherwise says how its pages end."""
        return _HTML_OPEN.search(text[:_EDGE]) is None or _HTML_CLOSE.search(text[-_EDGE:]) is not None

    def headline(self, page: Page) -> str:
        raise NotImplementedError

    def body(self, page: Page) -> list[str]:
        """The article's text blocks in reading order: paragraphs, sub-headings,
        list items and captions, without page chrome."""
        raise NotImplementedError

    def byline(self, page: Page) -> str | None:
        """The Person authors of the page's JSON-LD (an organisation is no byline)."""
        return byline_from(json_ld_person_names(page.json_ld))

    def published(self, page: Page) -> datetime | None:
        return parse_utc(json_ld_value(page.json_ld, "datePublished")) or parse_utc(
            page.meta_property("article:published_time"))

    def modified(self, page: Page) -> datetime | None:
        return parse_utc(json_ld_value(page.json_ld, "dateModified")) or parse_utc(
            page.meta_property("article:modified_time"))

    def __repr__(self) -> str:
        return f"<layout {self.name or type(self).__name__}>"
