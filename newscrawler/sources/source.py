"""The declaration of one source: everything newscrawler knows of one outlet.

A source names its hosts, its default feeds, which of its URLs are articles
and which are live pages, galleries or indexes, and its layout eras, newest
first. The spider takes a source; extraction takes the source's layouts.
"""
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.text import json_ld_types

# schema.org types that say a page is not a single article, whatever the outlet.
NON_ARTICLE_JSON_LD_TYPES = frozenset({"LiveBlogPosting", "CollectionPage", "ImageGallery", "MediaGallery"})


def json_ld_non_article_type(page: Page) -> str | None:
    """Why the page's JSON-LD says it is not an article (a live blog, a gallery), or None."""
    for obj in page.json_ld:
        for name in json_ld_types(obj):
            if name in NON_ARTICLE_JSON_LD_TYPES:
                return f"JSON-LD @type {name}"
    return None


@dataclass(frozen=True)
class Source:
    name: str
    hosts: tuple[str, ...]  # registrable domains; their subdomains belong to the source too
    feeds: tuple[str, ...]
    layouts: tuple[Layout, ...]  # newest first
    article_paths: tuple[re.Pattern, ...]  # a URL path matching one of these is an article
    skipped_paths: tuple[tuple[str, re.Pattern], ...] = ()  # (kind, pattern searched in the path)
    # Why a parsed page says of itself that it is not an article, or None.
    non_article_marker: Callable[[Page], str | None] = field(default=json_ld_non_article_type)
    # URL rules of the source's own (see urls.canonical_url): its hosts that are
    # spellings of canonical_host, and (pattern, replacement) rewrites of the path.
    canonical_host: str | None = None
    host_aliases: frozenset[str] = frozenset()
    path_rules: tuple[tuple[re.Pattern, str], ...] = ()
    tracking_params: frozenset[str] = frozenset()  # query parameters of its own that never name a page

    def owns_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == domain or host.endswith("." + domain) for domain in self.hosts)

    def page_kind(self, url: str) -> str:
        """'article' for pages that are tracked; otherwise why the page is
        skipped: 'live', 'gallery', ... or 'index'."""
        path = urlsplit(url).path
        for kind, pattern in self.skipped_paths:
            if pattern.search(path):
                return kind
        if any(pattern.match(path) for pattern in self.article_paths):
            return "article"
        return "index"

    def find_layout(self, page: Page) -> Layout | None:
        return next((layout for layout in self.layouts if layout.matches(page)), None)
