"""Pure page extraction: HTML in, article fields out.

Nothing here fetches, reads settings or the clock, or knows about Scrapy's
engine. `extract(url, html)` picks the site by URL and the layout era by
markers in the page.
"""
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
    selector = _parse(_decode(body, content_type))
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


def _decode(body: bytes | str, content_type: str | None) -> str:
    if isinstance(body, str):
        return body
    _, text = html_to_unicode(
        content_type, body, auto_detect_fun=_guess_encoding, default_encoding="utf-8"
    )
    return text


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
