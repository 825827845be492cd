"""Compares each check of an article with its last stored revision in MongoDB.

For an `ArticleItem` (a page with text):
- new article: stores version 1;
- unchanged (same content hash): records the check, stores nothing new;
- changed: stores version N+1 and a change record, and sends the change record
  downstream as a `ChangeItem` in place of the article (the feed exporter,
  newscrawler.exports, exports only those by default, so `-O changes.jsonl`
  exports changes). Content equal to an earlier version is a change of kind
  "revert" naming that version.

For a `CheckItem` (no text to compare): not modified (304) counts as
unchanged, and so does a page with the very bytes the latest version was read
from (the article's `page_hash`, set whenever a check finds a page's text to be
the latest version's); a failed fetch backs off; a page gone (404/410) becomes
a "removed" version and change record and is not checked again; a moved page
is not checked again.

Two crawls at once may race for the same version: the unique index on
(article_id, version) lets only one win, and the loser reads the latest
revision again and decides again, so versions stay consecutive and each new
version gets exactly one change record. An item fetched before the latest
stored version (the slower of two racing crawls, a journal replayed after
another node stored newer text) is stale: dropped and counted, never a version.

A revision the database cannot hold (too large, or text it cannot encode) is
refused: counted, logged, recorded as a failed check, nothing else written.
A change record too large for one document is stored summarised.

Nothing that was dealt with is dropped: every outcome is counted under
`newscrawler/articles/...` or `newscrawler/checks/...`, and `process_item`
passes the item on (so Scrapy's `item_scraped_count` counts checks, and
`item_dropped_count` only real failures). Inside the pipeline an outcome other
than a change ends the work on an item by raising a `Handled` subclass, which
`store_item` lets through for its callers and `process_item` turns into the
item itself.
"""
import asyncio
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider, DropItem

from newscrawler.alerts.config import AlertSettings, change_document
from newscrawler.items import FAILED, GONE, MOVED, NOT_MODIFIED, UNCHANGED, ChangeItem
from newscrawler.schedule import STATUS_REASONS, Schedule
from newscrawler.signals import item_handled
from newscrawler.schedule import GONE as STATUS_GONE
from newscrawler.schedule import MOVED as STATUS_MOVED
from newscrawler.storage import (DatabaseAway, DatabaseError, RevisionRefused, RevisionStore, StorageUnavailable,
                                 VersionTaken, crawl_store, data_dir)
from newscrawler.diffing import diff_versions
from newscrawler.health import HealthWatch
from pipelines.captures import CaptureKeeper
from pipelines.journal import Journal

logger = logging.getLogger(__name__)

REVISION_FIELDS = (
    "article_id", "url", "source", "headline", "byline", "published", "modified",
    "body", "content_hash", "fetched_at", "feed_url", "http_status", "etag", "last_modified", "extractor",
)
CONTENT, REVERT, REMOVED = "content", "revert", "removed"
REMOVED_HASH = "removed"
REFUSALS = {"too_large": "the revision is too large for the database",
            "unencodable": "the revision has text the database cannot encode"}


class Handled(Exception):
    """An item the pipeline has dealt with, stored or recorded, with no change to send on:
    its outcome, counted and (where it is news) logged already."""


class Unchanged(Handled):
    """The article is as last stored: the check is recorded, nothing else."""


class FirstRevision(Handled):
    """The article was new: version 1 is stored; there is no change to emit."""


class Held(Handled):
    """The new text is doubtful (a drastic shrink, or flipping back and forth):
    it is held and becomes a revision only if the next check agrees."""


class CheckRecorded(Handled):
    """A check without page text (304, failure, gone, moved) was recorded."""


class Stale(Handled):
    """Fetched before the article's latest stored version: it tells nothing newer."""


class Refused(Handled):
    """The database cannot hold the revision: a failed check, nothing stored."""


class Reread(Handled):
    """A stored version's capture read again by the code running now: the reading is recorded."""


class Journaled(Handled):
    """The database was away: the item waits in the local journal for the next run."""


class RevisionPipeline:
    MAX_VERSION_RACES = 5
    DEFAULT_RETRIES = 3
    DEFAULT_RETRY_SECONDS = 1.0
    DEFAULT_AWAY_SECONDS = 30.0
    DEFAULT_SUSPECT_SHRINK = 0.5

    def __init__(self, store: RevisionStore, stats, schedule: Schedule, journal: Journal,
                 retries: int = DEFAULT_RETRIES, retry_delay: float = DEFAULT_RETRY_SECONDS,
                 away_cooldown: float = DEFAULT_AWAY_SECONDS, suspect_shrink: float = DEFAULT_SUSPECT_SHRINK,
                 alerting: bool = False, captures: CaptureKeeper | None = None):
        self.store = store
        self.stats = stats
        self.schedule = schedule
        self.journal = journal
        self.retries = retries
        self.retry_delay = retry_delay
        self.away_cooldown = away_cooldown
        self.away_until = 0.0
        self.suspect_shrink = suspect_shrink
        self.alerting = alerting  # change records carry the alert outbox's mark from their insert
        self.stats_lock = threading.Lock()
        self.captures = captures or CaptureKeeper(store, self._count, enabled=False)
        self.health = HealthWatch(store, self._count)
        self.signals = None  # the crawler's, to send item_handled

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        journal_path = data_dir(settings) / "journal" / f"{settings.get('MONGO_DATABASE') or 'newscrawler'}.jsonl"
        store = crawl_store(crawler)
        pipeline = cls(
            store=store,
            stats=crawler.stats,
            schedule=Schedule.from_settings(settings),
            journal=Journal(Path(settings.get("NEWSCRAWLER_JOURNAL_PATH") or journal_path)),
            retries=settings.getint("NEWSCRAWLER_STORAGE_RETRIES", cls.DEFAULT_RETRIES),
            retry_delay=settings.getfloat("NEWSCRAWLER_STORAGE_RETRY_SECONDS", cls.DEFAULT_RETRY_SECONDS),
            away_cooldown=settings.getfloat("NEWSCRAWLER_STORAGE_AWAY_SECONDS", cls.DEFAULT_AWAY_SECONDS),
            suspect_shrink=settings.getfloat("NEWSCRAWLER_SUSPECT_SHRINK", cls.DEFAULT_SUSPECT_SHRINK),
            alerting=AlertSettings.from_settings(settings).enabled,
        )
        pipeline.captures = CaptureKeeper.from_settings(settings, store, pipeline._count)
        pipeline.signals = crawler.signals
        return pipeline

    def open_spider(self):
        try:
            self.store.open()
        except StorageUnavailable as error:
            logger.error("Stopping before the crawl: %s", error)
            raise CloseSpider("storage_unavailable") from error
        logger.info("Storing revisions in MongoDB at %s, database %r", self.store.uri, self.store.database_name)
        self._replay_journal()

    def close_spider(self):
        if self.store.is_open:
            self._expire_failed_pages()
            try:
                self.health.warn_of_jumps(self.captures.clock())
            except DatabaseError as error:
                logger.warning("Extraction health not compared with the day before: %s", error)
        self.store.close()

    def _expire_failed_pages(self) -> None:
        try:
            self.captures.expire()
        except DatabaseError as error:
            logger.warning("Failed pages past their time not removed: %s", error)

    def _count(self, key: str, source: str | None = None, value: int = 1) -> None:
        """Count `newscrawler/...` key; with the item's source, also as
        `newscrawler/source/<source>/...`, so that each source has its own figures."""
        with self.stats_lock:  # items are stored in several threads at once
            self.stats.inc_value(key, value)
            if source:
                self.stats.inc_value(f"newscrawler/source/{source}/{key.removeprefix('newscrawler/')}", value)

    # The database going away

    def _replay_journal(self) -> None:
        """Store what earlier runs could not, before anything new is fetched."""
        for path in self.journal.take():
            items = Journal.read(path)
            logger.info("Replaying %d item(s) journaled while the database was away: %s", len(items), path)
            for item in items:  # counted for extraction health when they were journaled
                try:
                    self._process(item)
                except (Handled, DropItem):
                    pass
                self._count("newscrawler/journal/replayed")
            Journal.done(path)

    def _store_with_retries(self, item):
        for attempt in range(self.retries + 1):
            try:
                return self._process(item)
            except DatabaseAway:
                if attempt == self.retries:
                    raise
                self._count("newscrawler/storage/retries")
                delay = self.retry_delay * 2 ** attempt
                logger.warning("Database unreachable, trying again in %.1f s: %s", delay, ItemAdapter(item)["url"])
                time.sleep(delay)  # in a worker thread: the crawl goes on meanwhile

    def _journal(self, item, error: Exception):
        self.away_until = time.monotonic() + self.away_cooldown
        self.journal.append(item)
        self._count("newscrawler/storage/journaled")
        url = ItemAdapter(item)["url"]
        logger.error("Database unreachable (%s): %s kept in the journal %s for the next run",
                     type(error).__name__, url, self.journal.path)
        raise Journaled(f"journaled: {url}")

    async def process_item(self, item):
        """The change record of a changed article, else the item itself, once
        stored or recorded (its outcome is in the stats).

        Stores the item in a worker thread: database round trips must not
        hold up downloading and extraction on the reactor thread. An unchanged
        page needs no round trip of its own: its check joins the next batch."""
        adapter = ItemAdapter(item)
        self.health.count(adapter)
        if adapter.get("outcome") == UNCHANGED and time.monotonic() >= self.away_until:
            if self._queue_unchanged_page(adapter):
                await asyncio.to_thread(self._flush_checks)
            return item
        try:
            return await asyncio.to_thread(self.store_item, item)
        except Handled as outcome:
            if self.signals is not None:
                self.signals.send_catch_log(item_handled, item=item, outcome=outcome)
            return item
        finally:
            # stored or journaled with the item: feed exports and memory need no page bytes
            if "capture" in adapter:
                adapter["capture"] = None

    def _flush_checks(self) -> None:
        try:
            self.store.flush_checks()
        except DatabaseAway as error:  # they stay queued for the next batch
            logger.warning("Database unreachable, check records kept for the next batch: %s", error)

    def store_item(self, item):
        """The ChangeItem of a change; any other outcome raises its Handled subclass."""
        if time.monotonic() < self.away_until:
            self._journal(item, DatabaseAway("still away"))
        try:
            return self._store_with_retries(item)
        except DatabaseAway as error:
            self._journal(item, error)

    def _process(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("outcome") == UNCHANGED:  # queued once: never retried, so never twice
            if self._queue_unchanged_page(adapter):
                self._flush_checks()
            raise CheckRecorded(f"unchanged page: {adapter['url']}")
        if "outcome" in adapter and adapter.get("from_capture"):  # a stored page that still cannot be read
            raise CheckRecorded(f"{adapter['outcome']} again, from its capture: {adapter['url']}")
        if "outcome" in adapter:
            return self._process_check(adapter)
        if adapter.get("of_version"):
            return self._record_reading(adapter)
        for _ in range(self.MAX_VERSION_RACES):
            try:
                return self._process_article(adapter)
            except VersionTaken:
                self._count("newscrawler/revisions/version_races")
                logger.debug("A version of %s was stored by another crawl; deciding again", adapter["url"])
        raise DropItem(f"gave up after {self.MAX_VERSION_RACES} version races: {adapter['url']}")

    # Pages with text

    def _process_article(self, adapter: ItemAdapter):
        article, latest = self._current_state(adapter["article_id"])
        self._drop_if_stale(adapter, latest)
        if latest and self._same_text(adapter, latest):
            page = (latest["version"], adapter["page_hash"]) if adapter.get("page_hash") else None
            self._record_quiet_check(adapter, article, "unchanged", page_of_version=page)
            self._count("newscrawler/articles/unchanged", adapter["source"])
            raise Unchanged(f"unchanged: {adapter['url']}")
        revision = self._revision(adapter, (latest["version"] + 1) if latest else 1)
        if latest:
            revision["reverts_to"] = self._reverted_to(adapter["article_id"], latest, adapter["content_hash"])
            revision["kind"] = REVERT if revision["reverts_to"] else CONTENT
            doubt = None if adapter.get("from_capture") else self._doubt(revision, latest, article)
            if doubt:
                return self._hold(adapter, article, doubt)
        revision["capture"] = self.captures.keep_for_version(adapter, latest)
        try:
            change = self._store_version(revision, latest, adapter.get("page_hash"))
        except RevisionRefused as refusal:
            self._refuse(adapter, article, refusal)
        if change is None:
            self._count("newscrawler/articles/new", adapter["source"])
            raise FirstRevision(f"new article: {adapter['url']}")
        self._count("newscrawler/articles/changed", adapter["source"])
        return change

    def _same_text(self, adapter: ItemAdapter, latest: dict) -> bool:
        """Whether the page has the latest version's text. Read by other code
        than the latest version was, it is compared with what the code running
        now reads in that version's capture: a change of extraction is no change
        of the page."""
        if latest["content_hash"] == adapter["content_hash"]:
            return True
        if self.captures.latest_reads_as(adapter, latest) == adapter["content_hash"]:
            self._count("newscrawler/reextraction/same_page")
            logger.info("Same page as version %d of %s, read by other code: no new version",
                        latest["version"], adapter["url"])
            return True
        return False

    def _record_reading(self, adapter: ItemAdapter):
        """A stored version's capture, read again by `newscrawler reextract`."""
        self.store.record_reextraction(adapter["article_id"], adapter["of_version"], {
            "extractor": adapter.get("extractor"), "content_hash": adapter["content_hash"],
            "headline": adapter["headline"], "at": self.captures.clock()})
        self._count("newscrawler/reextraction/versions_reread")
        raise Reread(f"version {adapter['of_version']} read again: {adapter['url']}")

    def _drop_if_stale(self, checked: ItemAdapter, latest: dict | None) -> None:
        """Raise Stale if this fetch is older than the latest stored version.
        Equal times are not stale: a crawl with a fixed clock fetches all at one time."""
        # the article summary names its latest version's fetch time last_changed
        latest_fetch = latest and (latest.get("fetched_at") or latest.get("last_changed"))
        if latest_fetch and checked["fetched_at"] < latest_fetch:
            self._count("newscrawler/articles/stale", checked["source"])
            logger.info("Dropping a fetch of %s from %s: version %d, fetched at %s, is newer",
                        checked["url"], checked["fetched_at"], latest["version"], latest_fetch)
            raise Stale(f"stale: {checked['url']}")

    def _refuse(self, adapter: ItemAdapter, article: dict | None, refusal: RevisionRefused):
        self._count(f"newscrawler/revisions/refused/{refusal.why}", adapter["source"])
        logger.error("Refusing to store %s: %s (%s)", adapter["url"], REFUSALS[refusal.why], refusal)
        if article is not None:
            self._count("newscrawler/checks/failed", adapter["source"])
            self._record_quiet_check(adapter, article, FAILED)
        raise Refused(f"refused ({refusal.why}): {adapter['url']}")

    def _reverted_to(self, article_id: str, latest: dict, content_hash: str) -> int | None:
        """The newest version before the latest with exactly this content, if any."""
        if latest["version"] == 1:  # nothing before it: no need to ask
            return None
        return self.store.version_with_hash(article_id, content_hash)

    def _current_state(self, article_id: str) -> tuple[dict | None, dict | None]:
        """The article document and a description of its latest revision.

        The article's own summary is enough unless a write was interrupted
        (a pending mark is left): then the revisions collection decides, and
        the summary and a missing change record are repaired. A mark whose
        revision was never written is withdrawn, with the article document if
        it has no version.
        """
        article = self.store.article(article_id)
        if article is None:
            return None, None
        if "pending_version" not in article and "version" in article:
            return article, article
        latest = self.store.latest_revision(article_id)
        if latest is not None:
            self._repair(latest)
        if article.get("pending_version", 0) > (latest["version"] if latest else 0):
            self._count("newscrawler/repairs/pending_marks")
            logger.warning("Clearing the mark of %s version %d, a write cut short before the revision was stored",
                           article.get("url", article_id), article["pending_version"])
            self.store.withdraw_pending(article_id, article["pending_version"])
            if latest is None and "version" not in article:
                return None, None  # the article document went with its mark
        return article, latest

    def _repair(self, latest: dict) -> None:
        if latest["version"] > 1 and not self.store.has_change(latest["article_id"], latest["version"]):
            self._count("newscrawler/repairs/change_records")
            logger.warning("Repairing the change record of %s version %d left by an interrupted write",
                           latest["url"], latest["version"])
            self._store_change(self.store.revision(latest["article_id"], latest["version"]))
        self.store.repair_summary(latest)

    def _revision(self, adapter: ItemAdapter, version: int) -> dict:
        revision = {field: adapter.get(field) for field in REVISION_FIELDS}
        revision.update(version=version, kind=CONTENT, text_length=sum(map(len, revision["body"])))
        return revision

    def _doubt(self, revision: dict, latest: dict, article: dict) -> str | None:
        """Why new text should wait for a second check that agrees, if it should.

        - "flipping": going back to the version before a revert (two copies
          of a page served in turn);
        - "shrink": most of the text is gone at once (a truncated page or a
          half-rendered one more often than a real edit).
        """
        if article.get("held_hash") == revision["content_hash"]:
            return None  # a second check agrees
        if (revision["kind"] == REVERT and latest.get("kind") == REVERT
                and revision["reverts_to"] == latest["version"] - 1):
            return "flipping"
        previous_length = latest.get("text_length") or 0
        if revision["text_length"] < previous_length * (1 - self.suspect_shrink):
            return "shrink"
        return None

    def _hold(self, adapter: ItemAdapter, article: dict, doubt: str):
        self._record_quiet_check(adapter, article, "held", held_hash=adapter["content_hash"])
        self._count("newscrawler/articles/held", adapter["source"])
        self._count(f"newscrawler/articles/held/{doubt}")
        logger.info("Holding new text of %s until a second check agrees (%s)", adapter["url"], doubt)
        raise Held(f"held ({doubt}): {adapter['url']}")

    def _store_version(self, revision: dict, latest: dict | None,
                       page_hash: str | None = None) -> ChangeItem | None:
        """Write revision N+1, its change record and the article summary, in that order.
        `page_hash`: of the page the revision was read from, if any."""
        self.store.begin_revision(revision)
        self.store.add_revision(revision)
        change = self._store_change(revision) if latest else None
        tracking = self.schedule.after_change(revision["fetched_at"])
        if revision["kind"] == REMOVED:
            tracking = self.schedule.after_removal(tracking.interval, STATUS_GONE, STATUS_REASONS[STATUS_GONE])
        result = "new" if latest is None else "changed" if revision["kind"] != REMOVED else "gone"
        self.store.finish_revision(revision, {**tracking.as_fields(), **self._check_fields(revision, result),
                                              "held_hash": None, "page_hash": page_hash})
        return change

    def _store_change(self, revision: dict) -> ChangeItem:
        previous = self.store.revision(revision["article_id"], revision["version"] - 1)
        change = change_record(previous, revision)
        # asdict() would walk every word op: 1 ms a change
        if self.store.add_change(change_document(dict(ItemAdapter(change)), self.alerting)):
            self._count("newscrawler/changes/summarised")
            logger.warning("Change record of %s version %d is too large for one document: stored summarised, "
                           "without its words", revision["url"], revision["version"])
        logger.info("Article changed: %s (version %d, %s)", revision["url"], revision["version"],
                    describe_counts(change.counts) or change.kind)
        return change

    # Checks without text

    def _process_check(self, adapter: ItemAdapter):
        article, latest = self._current_state(adapter["article_id"])
        self._drop_if_stale(adapter, latest)
        outcome = adapter["outcome"]
        self._count(f"newscrawler/checks/{outcome}", adapter["source"])
        if outcome == FAILED:
            self.captures.keep_failed(adapter, latest)
        if article is None:
            logger.info("Nothing stored for %s yet: %s not recorded", adapter["url"], outcome)
            raise CheckRecorded(f"{outcome}, untracked: {adapter['url']}")
        if outcome == GONE and latest and latest.get("kind") != REMOVED:
            return self._store_removal(adapter, latest)
        if outcome == MOVED:
            tracking = self.schedule.after_removal(None, STATUS_MOVED, STATUS_REASONS[STATUS_MOVED])
            self.store.record_check(adapter["article_id"], {**tracking.as_fields(),
                                                            **self._check_fields(adapter, MOVED),
                                                            "moved_to": adapter["moved_to"]})
        elif outcome in (NOT_MODIFIED, FAILED, GONE):
            self._record_quiet_check(adapter, article, outcome)
        raise CheckRecorded(f"{outcome}: {adapter['url']}")

    def _queue_unchanged_page(self, adapter: ItemAdapter) -> bool:
        """Queue the check of a page with the very bytes the latest version was
        read from; True when the batch of checks is due. Nothing is read first:
        the spider's lookup brought the interval the schedule needs.

        The article has a page hash only while its latest version is complete
        (begin_revision clears it), so an interrupted write is always compared
        in full, and repaired. A version stored by another crawl after this
        one's lookup makes this check's schedule slightly off, as for any
        quiet check recorded in a race; the versions stay right."""
        fields = self._quiet_check_fields(adapter, adapter.get("interval_seconds"), "unchanged")
        self._count("newscrawler/checks/unchanged", adapter["source"])
        self._count("newscrawler/articles/unchanged", adapter["source"])
        return self.store.queue_check(adapter["article_id"], fields)

    def _store_removal(self, adapter: ItemAdapter, latest: dict) -> ChangeItem:
        removal = {
            "article_id": adapter["article_id"], "url": adapter["url"], "source": adapter["source"],
            "version": latest["version"] + 1, "kind": REMOVED, "headline": latest["headline"], "body": [],
            "content_hash": REMOVED_HASH, "fetched_at": adapter["fetched_at"], "text_length": 0,
            "http_status": adapter.get("http_status"),
        }
        self._count("newscrawler/articles/removed", adapter["source"])
        return self._store_version(removal, latest)

    def _record_quiet_check(self, adapter: ItemAdapter, article: dict, result: str, held_hash=None,
                            page_of_version: tuple[int, str] | None = None) -> None:
        if adapter.get("from_capture"):  # history read again: no check happened now
            return
        fields = self._quiet_check_fields(adapter, article.get("interval_seconds"), result, held_hash)
        self.store.record_check(adapter["article_id"], fields, page_of_version)

    def _quiet_check_fields(self, checked, interval_seconds: float | None, result: str, held_hash=None) -> dict:
        """The tracking fields of a check that stored no version: the interval backs off."""
        interval = timedelta(seconds=interval_seconds) if interval_seconds else None
        tracking = self.schedule.after_quiet_check(interval, checked["fetched_at"])
        return {**tracking.as_fields(), **self._check_fields(checked, result), "held_hash": held_hash}

    @staticmethod
    def _check_fields(checked, result: str) -> dict:
        fields = {"last_checked": checked["fetched_at"], "last_check_result": result,
                  "last_http_status": checked.get("http_status")}
        for validator in ("etag", "last_modified"):
            if checked.get(validator):
                fields[validator] = checked[validator]
        return fields


def change_record(previous: dict, revision: dict) -> ChangeItem:
    diff = diff_versions(previous, revision)
    return ChangeItem(
        article_id=revision["article_id"],
        url=revision["url"],
        source=revision["source"],
        from_version=previous["version"],
        to_version=revision["version"],
        detected_at=revision["fetched_at"],
        kind="edit" if revision.get("kind", CONTENT) == CONTENT else revision["kind"],
        headline_changed=diff["headline"]["changed"],
        old_headline=previous["headline"],
        new_headline=revision["headline"],
        byline_changed=diff["byline"]["changed"],
        old_byline=previous.get("byline"),
        new_byline=revision.get("byline"),
        paragraphs=diff["paragraphs"],
        counts=diff["counts"],
        classification=diff["classification"],
        reverts_to=revision.get("reverts_to"),
    )


def describe_counts(counts: dict) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items() if n and what != "unchanged")
