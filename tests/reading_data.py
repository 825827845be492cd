"""Articles stored through the real pipelines, for the CLI, feed and web view tests."""
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from newscrawler.items import ArticleItem
from newscrawler.sources import article_id_of as article_id
from newscrawler.reading.web import make_web_server
from pipelines.normalise import NormalisePipeline
from pipelines.revisions import FirstRevision, RevisionPipeline, change_record

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
MINISTER_URL = "https://www.bbc.co.uk/news/uk-politics-12345678"
HOSTILE_URL = "https://www.bbc.co.uk/news/technology-87654321"

# Version 2 edits, removes and adds a paragraph and changes the headline;
# version 3 only changes punctuation (a minor change).
MINISTER_VERSIONS = [
    (T0, "Minister backs plan", ["The plan was published on Monday.",
                                 "The minister said she would support the plan in full.",
                                 "Critics called it a waste of money."]),
    (T0 + timedelta(hours=2), "Minister rejects plan", ["The plan was published on Monday.",
                                                        "The minister said she would oppose the plan in full.",
                                                        "A vote is expected next week."]),
    (T0 + timedelta(hours=3), "Minister rejects plan", ["The plan was published on Monday!",
                                                        "The minister said she would oppose the plan in full.",
                                                        "A vote is expected next week."]),
]
# Text that would run script if it reached a page unescaped, or control a terminal.
HOSTILE_VERSIONS = [
    (T0 + timedelta(hours=1), "Safe <b>headline</b>", ["Intro.", "Old words here."]),
    (T0 + timedelta(hours=4), "<script>document.title='pwned-headline'</script> Hostile",
     ["Intro.", "New words <script>document.body.setAttribute('data-pwned','1')</script> here.",
      '<a href="javascript:document.body.setAttribute(\'data-pwned\',\'2\')">click me</a>',
      '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'3\')">',
      "A terminal escape \x1b]0;pwned\x07 to retitle the window."]),
]


def long_body(paragraphs: int, prefix: str = "Paragraph") -> list[str]:
    """A body of distinct sentence-like paragraphs, as long as asked."""
    words = "the minister said council report police court school plan vote hospital budget".split()
    return [f"{prefix} {n}: " + " ".join(words[(n * 7 + k * 5) % len(words)] for k in range(1, 9)) + "."
            for n in range(1, paragraphs + 1)]


def long_versions(paragraphs: int, edited: list[int] | None = None) -> list[tuple]:
    """Two versions of a long article: `edited` paragraphs (0-based; None: all) gain a word."""
    old = long_body(paragraphs)
    changed = range(paragraphs) if edited is None else edited
    new = [text.replace(":", ": indeed", 1) if n in changed else text for n, text in enumerate(old)]
    return [(T0 + timedelta(hours=5), "A very long article", old),
            (T0 + timedelta(hours=6), "A very long article", new)]


def article_item(url: str, fetched_at: datetime, headline: str, body: list[str], source: str = "bbc"):
    item = ArticleItem(article_id=article_id(url), url=url, source=source, headline=headline,
                       body=list(body), fetched_at=fetched_at)
    return NormalisePipeline().process_item(item)


def crawl_versions(store, url: str, versions: list[tuple], source: str = "bbc") -> None:
    """Send each (fetched_at, headline, body) through the normalising and revision pipelines,
    as a crawl does, into the store's database."""
    crawler = get_crawler(settings_dict={"MONGO_URI": store.uri, "MONGO_DATABASE": store.database_name})
    pipeline = RevisionPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        for fetched_at, headline, body in versions:
            try:
                pipeline.store_item(article_item(url, fetched_at, headline, body, source))
            except FirstRevision:
                pass
    finally:
        pipeline.close_spider()


def change_documents(url: str, versions: list[tuple], source: str = "bbc") -> list[dict]:
    """The change records the revision pipeline builds for these versions, newest first (no database)."""
    revisions = [{**ItemAdapter(article_item(url, *version, source)).asdict(), "version": number}
                 for number, version in enumerate(versions, start=1)]
    changes = [ItemAdapter(change_record(old, new)).asdict() for old, new in zip(revisions, revisions[1:])]
    return changes[::-1]


@contextmanager
def web_view(store, page_size: int = 25, **serving):
    """The web view over the store's database on a free loopback port; yields its base URL.
    `serving`: make_web_server's base_url, threads, timeout, connection_limit."""
    server = make_web_server(store, "127.0.0.1", 0, page_size=page_size, **serving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
