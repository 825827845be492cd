"""Trial patches: the changes the benchmarks recommend, applied in-process to
measure their gain before anyone edits the project code. Bench use only.

    python bench/pipelines.py --what-if no-retry-writes,no-or
    python bench/crawl_e2e.py --what-if no-retry-writes,no-or,threaded,batched-checks

In a crawl subprocess they are applied by the WhatIf extension (enabled with
-s EXTENSIONS={"whatif.WhatIf": 0} and bench/ on PYTHONPATH; the names come from
the BENCH_WHATIF setting), which Scrapy builds before the item pipelines.

- no-retry-writes: MongoClient(retryWrites=False) in RevisionStore.open. secantusdb
  keeps a record of every retryable write for 30 minutes (at most 10,000) and scans,
  and once full sorts, all of them on every write (TransactionRegistry.
  _prune_retryable_locked), so each write gets slower as writes accumulate.
- no-or: RevisionStore.finish_revision and repair_summary filter on
  {"_id": id, "version": {"$not": {"$gt"/"$gte": v}}} instead of
  {"_id": id, "$or": [{"version": {"$lte"/"$lt": v}}, {"version": {"$exists": False}}]}:
  the same documents (version is never null), but secantusdb then uses the _id
  index instead of scanning the whole articles collection.
- threaded: RevisionPipeline.process_item becomes a coroutine that runs the
  synchronous work in a worker thread (asyncio.to_thread; the crawl runs on the
  asyncio reactor), so the crawl keeps downloading and extracting while the
  pipeline waits for the database.
- batched-checks: RevisionStore.record_check (the unchanged path's write) is
  buffered and sent as one unordered bulk_write per 100 checks and at close,
  so an unchanged article costs one read plus 1/100 of a write.
"""
import functools
import threading

from pymongo import UpdateOne

PATCHES = {}
BATCH = 100


def patch(name):
    def register(function):
        PATCHES[name] = function
        return function
    return register


def apply(names) -> list[str]:
    names = [n.strip() for n in (names.split(",") if isinstance(names, str) else names or []) if n.strip()]
    for name in names:
        if name not in PATCHES:
            raise SystemExit(f"unknown what-if {name!r}; known: {', '.join(PATCHES)}")
        PATCHES[name]()
    return names


@patch("no-retry-writes")
def _no_retry_writes():
    from newscrawler import storage
    storage.MongoClient = functools.partial(storage.MongoClient, retryWrites=False)


@patch("no-or")
def _no_or():
    from newscrawler import storage
    from newscrawler.storage import summary_of

    def finish_revision(self, revision: dict, tracking: dict) -> None:
        article_id, version = revision["article_id"], revision["version"]
        newest = {"_id": article_id, "version": {"$not": {"$gt": version}}}
        summarised = self.db.articles.update_one(
            newest,
            {"$set": {**summary_of(revision), **tracking}, "$inc": {"checks": 1}, "$unset": {"lease_until": ""}},
        )
        if not summarised.matched_count:
            self.db.articles.update_one({"_id": article_id}, {"$inc": {"checks": 1}})
        self.clear_pending(article_id, version)

    def repair_summary(self, revision: dict) -> None:
        article_id, version = revision["article_id"], revision["version"]
        self.db.articles.update_one({"_id": article_id, "version": {"$not": {"$gte": version}}},
                                    {"$set": summary_of(revision)})
        self.clear_pending(article_id, version)

    storage.RevisionStore.finish_revision = finish_revision
    storage.RevisionStore.repair_summary = repair_summary


@patch("threaded")
def _threaded():
    import asyncio
    import inspect

    from pipelines.revisions import RevisionPipeline
    process_item = RevisionPipeline.process_item
    if inspect.iscoroutinefunction(process_item):
        return  # the project does it already

    async def threaded_process_item(self, item):
        return await asyncio.to_thread(process_item, self, item)

    RevisionPipeline.process_item = threaded_process_item


@patch("batched-checks")
def _batched_checks():
    from newscrawler import storage
    close = storage.RevisionStore.close

    def record_check(self, article_id: str, fields: dict) -> None:
        if not hasattr(self, "_check_buffer"):
            self._check_buffer, self._check_lock = [], threading.Lock()
        with self._check_lock:
            self._check_buffer.append(UpdateOne(
                {"_id": article_id}, {"$set": fields, "$inc": {"checks": 1}, "$unset": {"lease_until": ""}}))
            batch = self._check_buffer if len(self._check_buffer) >= BATCH else None
            if batch:
                self._check_buffer = []
        if batch:
            self.db.articles.bulk_write(batch, ordered=False)

    def flush_then_close(self) -> None:
        if getattr(self, "_check_buffer", None) and self.client is not None:
            self.db.articles.bulk_write(self._check_buffer, ordered=False)
            self._check_buffer = []
        close(self)

    storage.RevisionStore.record_check = record_check
    storage.RevisionStore.close = flush_then_close


class WhatIf:
    """Scrapy extension applying the BENCH_WHATIF patches in a crawl process."""

    @classmethod
    def from_crawler(cls, crawler):
        names = apply(crawler.settings.get("BENCH_WHATIF", ""))
        crawler.stats.set_value("bench/whatif", ",".join(names))
        return cls()
