"""Pure page extraction: HTML in, article fields out.

Nothing here fetches, reads settings or the clock, or knows about Scrapy's
engine. `extract(url, html, source=...)` reads the page with the first of the
source's layout eras whose markers are in the page.
"""
import codecs
import re
from dataclasses import dataclass
from datetime import datetime
from lxml import etree
from w3lib.encoding import html_to_unicode

from newscrawler.extraction.page import Page


class ExtractionError(Exception):
    """The page gave no article."""


class UnknownLayout(ExtractionError):
    """No layout era matched the page (or it could not be parsed as HTML at all)."""


class NotAnArticle(ExtractionError):
    """The page's own markers say it is a live page, gallery, index page etc."""


class EmptyBody(ExtractionError):
    """A layout matched but the headline or body text is missing: error page,
    consent wall, broken capture."""


@dataclass(frozen=True)
class ExtractedArticle:
    headline: str
    body: list[str]  # text blocks in reading order, each on one line, whitespace collapsed
    byline: str | None = None
    published: datetime | None = None  # timezone-aware UTC
    modified: datetime | None = None  # timezone-aware UTC
    layout: str | None = None  # the name of the layout era that read the page


def extract(url: str, body: bytes | str, content_type: str | None = None, *, source) -> ExtractedArticle:
    """Extract the article from one fetched page.

    body is the raw response body (decoded the way Scrapy does, using the
    Content-Type header value, then BOM / meta charset / detection) or text.
    source (a newscrawler.sources.Source) gives the layouts, whatever host
    served the page. Raises only ExtractionError subclasses."""
    text, utf8 = _decode(body, content_type)
    page = _parse(text, utf8)
    reason = source.non_article_marker(page)
    if reason:
        raise NotAnArticle(f"{url}: {reason}")
    layout = source.find_layout(page)
    if layout is None:
        raise UnknownLayout(f"{url}: no known {source.name} layout")
    if not layout.is_complete(text):
        raise EmptyBody(f"{url}: page cut short (it does not end as {layout.name} pages do)")
    return _article(url, page, layout)


def _article(url: str, page: Page, layout) -> ExtractedArticle:
    name = layout.name
    headline = layout.headline(page)
    if not headline:
        raise EmptyBody(f"{url}: {name} page without a headline")
    body = layout.body(page)
    if not body:
        raise EmptyBody(f"{url}: {name} page without body text")
    return ExtractedArticle(
        headline=headline,
        body=body,
        byline=layout.byline(page),
        published=layout.published(page),
        modified=layout.modified(page),
        layout=name,
    )


# Labels that pages get wrong both ways: Windows-1252 bytes labelled UTF-8, and
# UTF-8 bytes labelled ISO-8859-1. Bytes that are valid UTF-8 almost never are
# meant as anything else, so for these labels the bytes decide.
_WESTERN_LABELS = {"utf-8", "ascii", "iso8859-1", "cp1252"}


def _decode(body: bytes | str, content_type: str | None) -> tuple[str, bytes | None]:
    """The page's text, and body itself when that text is body read as UTF-8
    (the parser can then take body instead of the text encoded again)."""
    if isinstance(body, str):
        return body, None
    encoding, text = html_to_unicode(
        content_type, body, auto_detect_fun=_guess_encoding, default_encoding="utf-8"
    )
    codec = _normal_codec_name(encoding)
    if codec in _WESTERN_LABELS and not body.startswith(codecs.BOM_UTF8):
        return _western_text(body, codec, text)
    return text, None


def _western_text(body: bytes, codec: str, text: str) -> tuple[str, bytes | None]:
    """body as UTF-8 if it is valid UTF-8, else as cp1252 (see _WESTERN_LABELS).
    text is body already decoded by codec, with replacement characters for
    bytes it could not decode; it is reused where it is the same answer."""
    if codec in ("utf-8", "ascii") and "\ufffd" not in text:
        return text, body  # nothing was replaced, so body is valid UTF-8 and text is it
    try:
        return body.decode("utf-8"), body
    except UnicodeDecodeError:
        if codec == "cp1252":
            return text, None
        return body.decode("cp1252", errors="replace"), None


def _normal_codec_name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _guess_encoding(body: bytes) -> str | None:
    # Scrapy tries ascii and utf-8, then a statistical detector; cp1252 is the
    # usual answer for the BBC's unlabelled Western pages and decodes nearly anything.
    for encoding in ("ascii", "utf-8", "cp1252"):
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _parse(text: str, utf8: bytes | None = None) -> Page:
    """The page's tree as parsel's Selector(text=text, type="html") parses it
    (parsel.selector.create_root_node), with lxml's plain element classes: the
    same tree, without a Python call to pick the class of every element read.
    utf8 is text encoded as UTF-8, if known."""
    try:
        markup = _stripped_utf8(text, utf8) or b"<html/>"
        parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
        root = etree.fromstring(markup, parser=parser)
        if root is None:
            root = etree.fromstring(b"<html/>", parser=parser)
    except (ValueError, etree.LxmlError) as error:
        raise UnknownLayout(f"unparseable page: {error}") from error
    return Page(root)


def _stripped_utf8(text: str, utf8: bytes | None) -> bytes:
    """text.strip().replace("\x00", "").encode("utf-8"), cut out of utf8
    (text encoded) when given, which saves encoding a long text again."""
    if utf8 is None or b"\x00" in utf8:
        return text.strip().replace("\x00", "").encode("utf-8")
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    return utf8[len(text[:start].encode("utf-8")) : len(utf8) - len(text[end:].encode("utf-8"))]
