"""Pure page extraction: HTML in, article fields out.

Nothing here fetches, reads settings or the clock, or knows about Scrapy's
engine. `extract(url, html)` picks the site by URL and the layout era by
markers in the page.
"""
import codecs
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode

from newscrawler.extraction import bbc


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


# Sites by the registrable domain of the page's host. Any other host falls back
# to BBC, because tests serve BBC fixture pages from http://127.0.0.1:PORT/.
_SITES = {domain: bbc for domain in bbc.HOSTS}
_FALLBACK_SITE = bbc


def extract(url: str, body: bytes | str, content_type: str | None = None) -> ExtractedArticle:
    """Extract the article from one fetched page.

    body is the raw response body (decoded the way Scrapy does, using the
    Content-Type header value, then BOM / meta charset / detection) or text.
    Raises only ExtractionError subclasses."""
    text = _decode(body, content_type)
    if _is_cut_short(text):
        raise EmptyBody(f"{url}: page cut short (no closing </html>)")
    selector = _parse(text)
    site = _site_for(url)
    reason = site.non_article_marker(selector)
    if reason:
        raise NotAnArticle(f"{url}: {reason}")
    layout = site.find_layout(selector)
    if layout is None:
        raise UnknownLayout(f"{url}: no known layout")
    return _article(url, selector, layout)


def _article(url: str, selector: Selector, layout) -> ExtractedArticle:
    headline = layout.headline(selector)
    if not headline:
        raise EmptyBody(f"{url}: {layout.__name__} page without a headline")
    body = layout.body(selector)
    if not body:
        raise EmptyBody(f"{url}: {layout.__name__} page without body text")
    return ExtractedArticle(
        headline=headline,
        body=body,
        byline=layout.byline(selector),
        published=layout.published(selector),
        modified=layout.modified(selector),
    )


# Labels that pages get wrong both ways: Windows-1252 bytes labelled UTF-8, and
# UTF-8 bytes labelled ISO-8859-1. Bytes that are valid UTF-8 almost never are
# meant as anything else, so for these labels the bytes decide.
_WESTERN_LABELS = {"utf-8", "ascii", "iso8859-1", "cp1252"}


def _decode(body: bytes | str, content_type: str | None) -> str:
    if isinstance(body, str):
        return body
    encoding, text = html_to_unicode(
        content_type, body, auto_detect_fun=_guess_encoding, default_encoding="utf-8"
    )
    if _normal_codec_name(encoding) in _WESTERN_LABELS and not body.startswith(codecs.BOM_UTF8):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("cp1252", errors="replace")
    return text


def _normal_codec_name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _is_cut_short(text: str) -> bool:
    """A page that opens <html> but never closes it was cut off in transfer or
    at the source; what it has of the article cannot be trusted to be all of it."""
    opened = _HTML_OPEN.search(text[:4096]) is not None
    return opened and _HTML_CLOSE.search(text[-4096:]) is None


_HTML_OPEN = re.compile(r"<html[\s>]", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"</html\s*>", re.IGNORECASE)


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


def _parse(text: str) -> Selector:
    try:
        return Selector(text=text, type="html")
    except (ValueError, etree.LxmlError) as error:
        raise UnknownLayout(f"unparseable page: {error}") from error


def _site_for(url: str):
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # malformed URL, e.g. a broken IPv6 literal
        return _FALLBACK_SITE
    for domain, site in _SITES.items():
        if host == domain or host.endswith("." + domain):
            return site
    return _FALLBACK_SITE
