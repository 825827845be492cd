"""What every New York Times layout era shares: its metadata and its blocks.

The Times has labelled its pages the same way across redesigns: schema.org
JSON-LD since about 2019, Open Graph style `article:published` /
`article:modified` meta properties (`_time` suffixed from 2021), microdata
(`itemprop="author"`, `datePublished`), and the old CMS's own meta names
(`byl`, `ptime`, `utime`, `PT`). The fields below try them in that order, so
each era only says where its headline and body are.

The body is the article's own text blocks: paragraphs, sub-headings, list
items and block quotes of the story containers. Captions are left out, as
the reference parser for this outlet (News Sniffer's web-page-parser) counts
paragraphs and list items only, and so is whatever the Times nests in a
container of its own there (embedded graphics and promos, ads); like the
reference, which reads only the columns' own paragraphs, this leaves out
the author bio and the corrections and print notes after the story.
"""
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import xpath
from newscrawler.extraction.text import (
    byline_from,
    json_ld_person_names,
    json_ld_types,
    json_ld_value,
    parse_utc,
    visible_text,
    visible_texts,
)

# schema.org types of the Times' article JSON-LD (other objects on the page
# describe the publisher, breadcrumbs or embedded videos).
_ARTICLE_JSON_LD_TYPES = frozenset({
    "Article", "NewsArticle", "AnalysisNewsArticle", "BackgroundNewsArticle",
    "OpinionNewsArticle", "ReportageNewsArticle", "ReviewNewsArticle", "Review",
})
# The old CMS stamps ptime/utime as YYYYMMDDHHMMSS in New York time.
_NEW_YORK = ZoneInfo("America/New_York")
_COMPACT_TIME = re.compile(r"^\d{14}$")
# "By Jane Doe, John Roe and Jim Poe" -> three names.
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)

_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol"})
_LIST_ITEMS = xpath("./li")
_QUOTE_PARAGRAPHS = xpath(".//p")

_ITEMPROP_AUTHORS = xpath(
    "//*[@itemprop = 'author' or @itemprop = 'author creator' or @itemprop = 'creator']"
)
_ITEMPROP_NAMES = xpath(".//*[@itemprop = 'name']")
_ITEMPROP_PUBLISHED = xpath("//meta[@itemprop = 'datePublished']/@content")
_ITEMPROP_MODIFIED = xpath("//meta[@itemprop = 'dateModified']/@content")


class NytLayout(Layout):
    """The fields every Times era reads the same way; eras add matches,
    headline and body."""

    def byline(self, page: Page) -> str | None:
        return (
            byline_from(json_ld_person_names(article_json_ld(page)))
            or byline_from(byline_names_in_markup(page))
            or byline_from(names_in_byline(page.meta("byl") or ""))
        )

    def published(self, page: Page) -> datetime | None:
        return (
            parse_utc(json_ld_value(article_json_ld(page), "datePublished"))
            or parse_utc(page.meta_property("article:published_time"))
            or parse_utc(page.meta_property("article:published"))
            or parse_utc(page.first(_ITEMPROP_PUBLISHED))
            or new_york_compact_time(page.meta("ptime"))
        )

    def modified(self, page: Page) -> datetime | None:
        return (
            parse_utc(json_ld_value(article_json_ld(page), "dateModified"))
            or parse_utc(page.meta_property("article:modified_time"))
            or parse_utc(page.meta_property("article:modified"))
            or parse_utc(page.first(_ITEMPROP_MODIFIED))
            or new_york_compact_time(page.meta("utime"))
        )


def first_text_of(page: Page, queries) -> str:
    """The visible text of the first result of the first of queries that finds
    a non-empty one, or ""."""
    return next(filter(None, (page.first_text(query) for query in queries)), "")


def article_json_ld(page: Page) -> list[dict]:
    """The page's article JSON-LD objects (all of its objects if none says it is one)."""
    articles = [obj for obj in page.json_ld if not _ARTICLE_JSON_LD_TYPES.isdisjoint(json_ld_types(obj))]
    return articles or page.json_ld


def byline_names_in_markup(page: Page) -> list[str]:
    """Author names from the page's microdata byline: the itemprop=name parts
    when marked, else the byline's text ("By Jane Doe and John Roe")."""
    names = []
    for author in page.find(_ITEMPROP_AUTHORS):
        marked = visible_texts(_ITEMPROP_NAMES(author))
        names.extend(marked or names_in_byline(visible_text(author)))
    return names


def names_in_byline(text: str) -> list[str]:
    """The names in a byline line: "By Jane Doe, John Roe and Jim Poe"."""
    text = text.strip()
    text = _BY.sub("", text)
    return [name for name in _NAME_SEPARATORS.split(text) if name]


def new_york_compact_time(value: str | None) -> datetime | None:
    """A UTC datetime from the CMS's YYYYMMDDHHMMSS New York time, or None."""
    if not value or not _COMPACT_TIME.match(value.strip()):
        return None
    try:
        local = datetime.strptime(value.strip(), "%Y%m%d%H%M%S").replace(tzinfo=_NEW_YORK)
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def blocks_of(container) -> list[str]:
    """The text blocks among container's child elements, in order (see block_texts)."""
    return [text for child in container.iterchildren("*") for text in block_texts(child)]


def block_texts(element) -> list[str]:
    """The text blocks of one element of a story container: a paragraph or
    sub-heading is one, a list one per item, a block quote one per paragraph.
    Any other element (a nested div of an embed, promo, ad or bio; a figure;
    an aside) is not the article's text: none."""
    if _is_hidden(element):
        return []
    tag = element.tag
    if tag == "p" or tag in _HEADINGS:
        texts = [visible_text(element)]
    elif tag in _LISTS:
        texts = visible_texts(_LIST_ITEMS(element))
    elif tag == "blockquote":
        texts = visible_texts(_QUOTE_PARAGRAPHS(element)) or [visible_text(element)]
    else:
        return []
    return [text for text in texts if text]


def _is_hidden(element) -> bool:
    classes = (element.get("class") or "").split()
    return element.get("hidden") is not None or "visually-hidden" in classes
