"""Items that flow from the spider through the pipelines.

`ArticleItem` is one fetch of one article page, as extracted. The normalising
pipeline rewrites its text fields in place and sets `content_hash`.
`CheckItem` is a check that found no page text to compare: not modified
(304), unchanged (the very bytes the latest version was read from, so there was
nothing to extract), gone (404/410), moved (permanent redirect to another
article) or failed (timeout, 5xx, an error page).
`PageCapture` is the raw response an item was read from (the page's evidence,
kept compressed in MongoDB's `captures`): it travels with an `ArticleItem`, and
with a `CheckItem` of a page whose extraction failed, never with a check that
needed no extraction.
`ChangeItem` is emitted by the revision pipeline when a new version differs
from the previous one, so `scrapy crawl bbc -O changes.jsonl` exports changes.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


@dataclass
class PageCapture:
    url: str  # the final URL, after redirects
    status: int
    headers: list[tuple[str, str]]  # response headers as received (latin-1), Content-Encoding already undone
    body: bytes  # the payload as the crawl read it
    fetched_at: datetime
    page_hash: str  # spiders.news.page_hash of body and Content-Type: the capture's key
    request_url: str = ""  # the URL as requested, before redirects
    request_headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ArticleItem:
    article_id: str
    url: str
    source: str
    headline: str
    body: list[str]
    fetched_at: datetime
    byline: Optional[str] = None
    published: Optional[datetime] = None
    modified: Optional[datetime] = None
    feed_url: Optional[str] = None
    content_hash: Optional[str] = None
    http_status: Optional[int] = None
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    page_hash: Optional[str] = None  # of the response's bytes and Content-Type (see spiders.news.page_hash)
    extractor: Optional[str] = None  # what read the page: layout and code version (newscrawler.extractors)
    capture: Optional[PageCapture] = None
    # read again from a stored capture by `newscrawler reextract`, not fetched now:
    # it may become a version, but it is no check; of_version: the version whose capture it is
    from_capture: bool = False
    of_version: Optional[int] = None


NOT_MODIFIED, UNCHANGED, GONE, MOVED, FAILED = "not_modified", "unchanged", "gone", "moved", "failed"


@dataclass
class CheckItem:
    article_id: str
    url: str
    source: str
    outcome: str
    fetched_at: datetime
    http_status: Optional[int] = None
    reason: Optional[str] = None
    moved_to: Optional[str] = None
    # an unchanged check: the page hash it matched, and the article's re-check
    # interval when the crawl looked it up (all the pipeline needs to record it)
    page_hash: Optional[str] = None
    interval_seconds: Optional[float] = None
    # a failed extraction: the page that failed, and the code that failed to read it
    capture: Optional[PageCapture] = None
    extractor: Optional[str] = None
    from_capture: bool = False  # a stored capture read again (see ArticleItem): no check


@dataclass
class ChangeItem:
    article_id: str
    url: str
    source: str
    from_version: int
    to_version: int
    detected_at: datetime
    kind: str
    headline_changed: bool
    old_headline: str
    new_headline: str
    byline_changed: bool = False
    old_byline: Optional[str] = None
    new_byline: Optional[str] = None
    paragraphs: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    classification: dict = field(default_factory=dict)
    reverts_to: Optional[int] = None
