"""Compares each fetched article with its last stored revision in MongoDB.

- New article: stores version 1.
- Unchanged (same content hash): records the check, stores nothing new.
- Changed: stores version N+1 and a change record, and sends the change record
  downstream as a `ChangeItem` (so `-O changes.jsonl` exports changes).

Two crawls at once may race for the same version: the unique index on
(article_id, version) lets only one win, and the loser re-reads the latest
revision and decides again, so versions stay consecutive and each new version
gets exactly one change record.
"""
import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider, DropItem

from newscrawler.items import ChangeItem
from newscrawler.storage import RevisionStore, StorageUnavailable, VersionTaken, mongo_location
from pipelines.diffing import diff_versions

logger = logging.getLogger(__name__)

REVISION_FIELDS = (
    "article_id", "url", "source", "headline", "byline", "published", "modified",
    "body", "content_hash", "fetched_at", "feed_url",
)


class Unchanged(DropItem):
    """The article is as last stored: the check is recorded, nothing else."""

    def __init__(self, message: str):
        super().__init__(message, log_level="DEBUG")


class FirstRevision(DropItem):
    """The article was new: version 1 is stored; there is no change to emit."""

    def __init__(self, message: str):
        super().__init__(message, log_level="DEBUG")


class RevisionPipeline:
    MAX_VERSION_RACES = 5

    def __init__(self, uri_and_database, stats, timeout_ms: int):
        self.uri_and_database = uri_and_database
        self.stats = stats
        self.timeout_ms = timeout_ms
        self.store: RevisionStore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            uri_and_database=lambda: mongo_location(settings),
            stats=crawler.stats,
            timeout_ms=settings.getint("MONGO_TIMEOUT_MS", 5000),
        )

    def open_spider(self):
        try:
            uri, database = self.uri_and_database()
            self.store = RevisionStore(uri, database, timeout_ms=self.timeout_ms)
            self.store.open()
        except (StorageUnavailable, RuntimeError) as error:
            logger.error("Stopping before the crawl: %s", error)
            raise CloseSpider("storage_unavailable") from error
        logger.info("Storing revisions in MongoDB at %s, database %r", uri, database)

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for _ in range(self.MAX_VERSION_RACES):
            latest = self.store.latest_revision(adapter["article_id"])
            if latest and latest["content_hash"] == adapter["content_hash"]:
                self.store.record_unchanged_check(adapter["article_id"], adapter["fetched_at"])
                self.stats.inc_value("newscrawler/articles/unchanged")
                raise Unchanged(f"unchanged: {adapter['url']}")
            version = latest["version"] + 1 if latest else 1
            revision = self._revision(adapter, version)
            try:
                self.store.add_revision(revision)
            except VersionTaken:
                self.stats.inc_value("newscrawler/revisions/version_races")
                logger.debug("Version %d of %s was stored by another crawl; deciding again",
                             version, adapter["url"])
                continue
            self.store.record_revision(revision)
            if latest is None:
                self.stats.inc_value("newscrawler/articles/new")
                raise FirstRevision(f"new article: {adapter['url']}")
            self.stats.inc_value("newscrawler/articles/changed")
            return self._store_change(revision)
        raise DropItem(f"gave up after {self.MAX_VERSION_RACES} version races: {adapter['url']}")

    def _revision(self, adapter: ItemAdapter, version: int) -> dict:
        revision = {field: adapter.get(field) for field in REVISION_FIELDS}
        revision["version"] = version
        return revision

    def _store_change(self, revision: dict) -> ChangeItem:
        previous = self.store.revision(revision["article_id"], revision["version"] - 1)
        change = change_record(previous, revision)
        self.store.add_change(ItemAdapter(change).asdict())
        logger.info("Article changed: %s (version %d, %s)", revision["url"], revision["version"],
                    ", ".join(f"{n} {what}" for what, n in change.counts.items() if n and what != "unchanged"))
        return change


def change_record(previous: dict, revision: dict) -> ChangeItem:
    diff = diff_versions(previous, revision)
    return ChangeItem(
        article_id=revision["article_id"],
        url=revision["url"],
        source=revision["source"],
        from_version=previous["version"],
        to_version=revision["version"],
        detected_at=revision["fetched_at"],
        kind="edit",
        headline_changed=diff["headline"]["changed"],
        old_headline=previous["headline"],
        new_headline=revision["headline"],
        paragraphs=diff["paragraphs"],
        counts=diff["counts"],
        classification=diff["classification"],
    )
