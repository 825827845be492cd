"""`scrapy crawl reextract [-a source=NAME] [-a since=ISO] [-a failed=1]`: the spider of
`newscrawler reextract`, which reads stored captures instead of fetching (see newscrawler.reextract)."""
import asyncio
import logging
import threading
from collections import deque
from datetime import datetime

from scrapy import signals

from newscrawler.captures import CaptureError, capture_response, header, page_bytes
from newscrawler.clock import clock_from_settings
from newscrawler.extractors import code_of, code_version
from newscrawler.items import ArticleItem
from newscrawler.signals import item_handled
from newscrawler.sources.generic import source_or_generic
from newscrawler.spiders.news import SourceSpider
from newscrawler.storage import crawl_store

logger = logging.getLogger(__name__)

# Articles whose stored pages are read at once (one page of each at a time).
LANES = 16
# Outcomes by the pipeline's drop reason (pipelines.revisions); a change is scraped.
OUTCOMES = {"FirstRevision": "new", "Unchanged": "unchanged", "Stale": "before_latest", "Reread": "reread",
            "CheckRecorded": "failed", "Refused": "refused", "Journaled": "journaled"}


class ReextractSpider(SourceSpider):
    name = "reextract"

    def __init__(self, source: str | None = None, since: str | None = None, failed: str = "", limit: str = "",
                 *args, **kwargs):
        super().__init__(None, "none", *args, **kwargs)
        self.source_name = source or None
        self.since = datetime.fromisoformat(since) if since else None
        self.failed_only = failed.lower() in ("1", "true", "yes")
        self.limit = int(limit) if limit else None  # stored pages read in this run, at most
        self.pages_read = 0
        self.waiting: dict[str, asyncio.Future] = {}
        self.stats_lock = threading.Lock()  # pages are read in several threads at once

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_done, signal=item_handled)
        crawler.signals.connect(spider.item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_done, signal=signals.item_dropped)
        crawler.signals.connect(spider.item_done, signal=signals.item_error)
        return spider

    def configure(self, crawler) -> None:
        self.clock = clock_from_settings(crawler.settings)
        self.store = crawl_store(crawler)

    def source_by_name(self, name: str):
        return source_or_generic(name)

    def count(self, key: str, value: int = 1) -> None:
        with self.stats_lock:
            self.crawler.stats.inc_value(f"newscrawler/reextraction/{key}", value)

    async def start(self):
        await asyncio.to_thread(self.store.open)
        if not self.failed_only:
            async for item in self.each_article_in_turn(await asyncio.to_thread(self.versions_to_reread),
                                                        self.reread_version):
                yield item
        async for item in self.each_article_in_turn(await asyncio.to_thread(self.failures_to_reread),
                                                    self.reread_failure):
            yield item

    def query(self) -> dict:
        query = {}
        if self.source_name:
            query["source"] = self.source_name
        if self.since is not None:
            query["fetched_at"] = {"$gte": self.since}
        return query

    def versions_to_reread(self) -> list[dict]:
        """Revisions with a capture that today's code has not read."""
        todo = []
        for revision in self.store.revisions_with_captures(self.query()):
            current = code_version(self.source_by_name(revision["source"]))
            done = revision.get("reextracted") or {}
            if current in (code_of(revision.get("extractor")), code_of(done.get("extractor"))):
                self.count("skipped")
            else:
                todo.append(revision)
        return sorted(todo, key=lambda revision: (revision["article_id"], revision["version"]))

    def failures_to_reread(self) -> list[dict]:
        """Failed extractions that today's code has not tried, by article and fetch time."""
        todo = []
        for failure in self.store.extraction_failures(self.query()):
            current = code_version(self.source_by_name(failure["source"]))
            done = failure.get("reextracted") or {}
            if current in (code_of(failure.get("extractor")), done.get("code")):
                self.count("skipped")
            else:
                todo.append(failure)
        return todo

    async def each_article_in_turn(self, records: list[dict], read):
        """Items read from the records, one per article at a time, LANES articles
        at a time: the next page of an article waits until the pipelines are
        done with the one before."""
        articles: dict[str, deque] = {}
        for record in records:
            articles.setdefault(record["article_id"], deque()).append(record)
        queue, active = deque(articles.items()), {}
        while queue or active:
            while queue and len(active) < LANES:
                article_id, pending = queue.popleft()
                active[article_id] = pending
            turn = []  # (article id, record) of this turn: one page of each active article
            for article_id, pending in list(active.items()):
                if self.limit is not None and self.pages_read >= self.limit:
                    queue.clear()
                    active.clear()
                    break
                self.pages_read += 1
                turn.append((article_id, pending.popleft()))
                if not pending:
                    del active[article_id]
            # the database round trips of a turn overlap; its items go to the pipelines together
            items = await asyncio.gather(*(asyncio.to_thread(read, record) for _, record in turn))
            waits = []
            for (article_id, record), item in zip(turn, items):
                if item is not None:
                    waits.append((record, item, self.expect(article_id)))
                    yield item
            outcomes = [await done for _, _, done in waits]
            await asyncio.gather(*(asyncio.to_thread(self.record_outcome, record, item, outcome)
                                   for (record, item, _), outcome in zip(waits, outcomes)))

    def expect(self, article_id: str) -> asyncio.Future:
        self.waiting[article_id] = asyncio.get_running_loop().create_future()
        return self.waiting[article_id]

    def item_done(self, item, response=None, spider=None, exception=None, failure=None, outcome=None) -> None:
        """The outcome of a page read again: item_handled comes first for any but a change."""
        done = self.waiting.pop(getattr(item, "article_id", None), None)
        if done is not None and not done.done():
            handled = outcome or exception
            if failure is not None:
                outcome = "error"
            elif handled is not None:
                outcome = OUTCOMES.get(type(handled).__name__, type(handled).__name__)
            else:
                outcome = "changed"
            done.set_result(outcome)

    # Reading stored pages

    def stored_page(self, page_hash: str, record: dict):
        """The capture and its payload, or None (logged, counted) if it cannot be read."""
        try:
            capture = self.store.capture(page_hash)
            if capture is None:
                raise CaptureError(f"capture {page_hash} of {record['url']} is missing")
            return capture, page_bytes(capture, self.store.capture)
        except CaptureError as error:
            self.count("unreadable")
            logger.error("Not read again, nothing changed: %s", error)
            return None

    def item_of(self, capture: dict, body: bytes, record: dict):
        source = self.source_by_name(record["source"])
        item = self.page_item(capture_response(capture, body), record["article_id"], source, None,
                              header(capture["headers"], "Content-Type"), capture["_id"], record["fetched_at"])
        if isinstance(item, ArticleItem):
            item.from_capture, item.capture = True, None  # the capture is stored already
        return item

    def reread_version(self, revision: dict):
        stored = self.stored_page(revision["capture"], revision)
        if stored is None:
            return None
        self.count("versions_read")
        item = self.item_of(*stored, revision)
        if not isinstance(item, ArticleItem):  # today's code cannot read what a version was read from
            self.count("versions_unreadable_now")
            self.store.record_reextraction(revision["article_id"], revision["version"], {
                "extractor": getattr(item, "extractor", None), "failed": getattr(item, "reason", "not_article"),
                "at": self.clock()})
            return None
        item.of_version = revision["version"]
        return item

    def reread_failure(self, failure: dict):
        stored = self.stored_page(failure["capture"], failure)
        if stored is None:
            return None
        self.count("failures_read")
        item = self.item_of(*stored, failure)
        if not isinstance(item, ArticleItem):
            self.record_outcome(failure, item, getattr(item, "reason", None) and "failed" or "not_article")
            return None
        return item

    def record_outcome(self, record: dict, item, outcome: str) -> None:
        """What reading a failure again came to, with the code that read it (so it is not read again)."""
        if "reason" not in record:  # a version: the pipeline recorded its reading
            return
        self.count(f"failures/{outcome}")
        if outcome in ("journaled", "error"):  # not done: the next run tries again
            return
        source = self.source_by_name(record["source"])
        self.store.mark_failure_reextracted(record["_id"], {
            "code": code_version(source), "outcome": outcome, "extractor": getattr(item, "extractor", None),
            "content_hash": getattr(item, "content_hash", None), "at": self.clock()})


