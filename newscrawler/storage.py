"""MongoDB storage of articles, revisions and change records.

This is the only module that talks to pymongo, with newscrawler.tallies, a
part of it (the number of articles of each source and status). The
collections, fields and indexes made here are a public interface (see
README.md, "Data in MongoDB"):

- `articles`: one document per tracked article, `_id` = article id (canonical URL).
- `revisions`: one document per stored version, unique on (article_id, version).
- `changes`: one document per new version from the second on, unique on
  (article_id, to_version).
- `alert_subscriptions`, `alert_deliveries`, `alert_targets`: pushed alerts
  (newscrawler/alerts/): who wants which changes, the outbox of alerts per
  change and target, and how each target fares. A change record stored while
  alerts are on carries `alerts: "pending"` from its own insert.
- `first_fetches`: leases on the first fetch of articles no crawl has stored
  yet, taken by crawls that claim their feed entries (claim_pages); crawls
  delete the expired ones.
- `captures`: the raw pages versions were read from, and pages whose
  extraction failed, once per page hash (newscrawler.captures).
- `extraction_failures`: one document per check whose page could not be read,
  naming its capture, kept for NEWSCRAWLER_CAPTURES_FAILED_DAYS.
- `check_counts`: checks and extraction failures per source and hour.
- `sources`: one document per source, with its articles by status
  (`tallies`, see newscrawler.tallies).

The unique indexes are what keeps two crawls at once from writing the same
version twice: an insert that loses the race raises `VersionTaken`, and the
caller re-reads the latest revision and decides again.

No document may pass MongoDB's 16 MiB: a revision that would is refused
(`RevisionRefused`) before anything is written; a change record that would is
stored summarised, its full paragraph alignment derivable from the two revisions.
"""
import itertools
import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bson
from bson.errors import InvalidDocument
from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateMany, UpdateOne, WriteConcern
from pymongo.errors import (BulkWriteError, ConnectionFailure, DocumentTooLarge, DuplicateKeyError, PyMongoError,
                            WriteError)

from newscrawler.clock import utc_now
from newscrawler.embedded import default_data_dir, ensure_embedded_server
from newscrawler.tallies import FLAG as UNTALLIED, FLAG_IF_CHANGED, FLAG_INDEX as UNTALLIED_INDEX, StatusTallies
from newscrawler.urls import article_id

logger = logging.getLogger(__name__)
# Scrapy's log handler filters records by LOG_LEVEL but leaves loggers at NOTSET,
# so pymongo would build a debug record (the command as JSON) for every command,
# only for the handler to drop it. Unless someone configured pymongo's logger:
if logging.getLogger("pymongo").level == logging.NOTSET:
    logging.getLogger("pymongo").setLevel(logging.INFO)

DEFAULT_DATABASE = "newscrawler"
DEFAULT_EMBEDDED_PORT = 27217
DEFAULT_TIMEOUT_MS = 5000

INDEXES = {
    "revisions": [
        ([("article_id", ASCENDING), ("version", ASCENDING)], {"unique": True, "name": "article_version"}),
        ([("article_id", ASCENDING), ("content_hash", ASCENDING)], {"name": "article_hash"}),
        ([("fetched_at", DESCENDING)], {"name": "fetched_at"}),
    ],
    "changes": [
        ([("article_id", ASCENDING), ("to_version", ASCENDING)], {"unique": True, "name": "article_to_version"}),
        ([("detected_at", DESCENDING)], {"name": "detected_at"}),
        ([("source", ASCENDING), ("detected_at", DESCENDING)], {"name": "source_detected_at"}),
        # only change records waiting to be matched to alert subscriptions carry the field
        ([("alerts", ASCENDING)], {"name": "alerts_pending", "sparse": True}),
    ],
    "alert_deliveries": [
        ([("status", ASCENDING), ("next_attempt", ASCENDING)], {"name": "status_next_attempt"}),
        ([("target_id", ASCENDING), ("article_id", ASCENDING), ("alerted_at", DESCENDING)],
         {"name": "target_article_alerted"}),
    ],
    "captures": [
        ([("failed_until", ASCENDING)], {"name": "failed_until", "sparse": True}),
    ],
    "extraction_failures": [
        ([("source", ASCENDING), ("fetched_at", ASCENDING)], {"name": "source_fetched_at"}),
        ([("article_id", ASCENDING), ("fetched_at", ASCENDING)], {"name": "article_fetched_at"}),
        ([("expires_at", ASCENDING)], {"name": "expires_at"}),
    ],
    "check_counts": [
        ([("hour", DESCENDING)], {"name": "hour"}),
    ],
    "articles": [
        ([("source", ASCENDING), ("last_changed", DESCENDING)], {"name": "source_last_changed"}),
        ([("last_changed", DESCENDING)], {"name": "last_changed"}),
        ([("source", ASCENDING), ("status", ASCENDING), ("next_check", ASCENDING)], {"name": "due_checks"}),
        # An address search reads a range of ids. MongoDB serves it from the _id
        # index; secantusdb scans the collection for a range of _id and needs an
        # index of its own (docs/mongodb-compatibility.md).
        ([("_id", ASCENDING), ("source", ASCENDING)], {"name": "id_source"}),
        # only articles whose status the tallies have yet to count carry the field
        ([("untallied", ASCENDING)], {"name": UNTALLIED_INDEX, "sparse": True}),
    ],
    "first_fetches": [
        ([("lease_until", ASCENDING)], {"name": "lease_until"}),
    ],
}

# What a crawl needs to know of a tracked article before fetching it again:
# validators for a conditional GET, and the hash of the page its latest
# version was read from (a page with the same bytes needs no extraction).
PAGE_FIELDS = {"url": 1, "etag": 1, "last_modified": 1, "page_hash": 1, "interval_seconds": 1}
# Fields to $unset when a check of a claimed article is recorded (see claim_due).
RELEASED_LEASE = {"lease_until": "", "lease_owner": ""}
# secantusdb answers an $in of n ids in time growing with n squared: small batches.
LOOKUP_BATCH_SIZE = 100


def lookup_batches(items: list) -> list[list]:
    """`items` in consecutive slices of LOOKUP_BATCH_SIZE."""
    return [items[start:start + LOOKUP_BATCH_SIZE] for start in range(0, len(items), LOOKUP_BATCH_SIZE)]

LATEST_REVISION_FIELDS = {"_id": 0, "article_id": 1, "version": 1, "kind": 1, "content_hash": 1, "headline": 1,
                          "text_length": 1, "capture": 1, "extractor": 1, "reextracted": 1,
                          "fetched_at": 1, "url": 1, "source": 1}
DUPLICATE_KEY = 11000
# Server error codes for a document over the size limit (the driver usually refuses it first).
TOO_LARGE_CODES = {10334, 17419}
# The text fields of a change record, which its last summarised form leaves to the revisions.
CHANGE_TEXT_FIELDS = ("old_headline", "new_headline", "old_byline", "new_byline", "diff_text")
DUPLICATE_KEY = 11000
ALERT_PENDING = "pending"  # a change record's `alerts` until it is matched to the subscriptions
DELIVERY_PENDING, DELIVERY_SENT, DELIVERY_FAILED = "pending", "sent", "failed"
RELEASED_DELIVERY = {"lease_until": "", "lease_owner": ""}


# Raised by any store method when the server cannot be reached (it went away,
# a network timeout): the caller may retry later or journal the item.
DatabaseAway = ConnectionFailure
# Any error of the database or the driver, for callers that only need to know something failed.
DatabaseError = PyMongoError


class StorageUnavailable(RuntimeError):
    """The database could not be reached or refused an operation."""


class VersionTaken(Exception):
    """Another writer stored this version of the article first."""


class RevisionRefused(Exception):
    """The database cannot hold this revision: `why` is "too_large" or "unencodable"."""

    def __init__(self, why: str, detail: str):
        super().__init__(detail)
        self.why = why


def refusal_reason(error: Exception) -> str | None:
    """"too_large" or "unencodable" if the driver or server refused a document
    for its size or its text, else None."""
    if isinstance(error, DocumentTooLarge) or (isinstance(error, WriteError) and error.code in TOO_LARGE_CODES):
        return "too_large"
    if isinstance(error, (InvalidDocument, UnicodeEncodeError)):  # a lone surrogate raises the latter
        return "unencodable"
    return None


def mongo_location(settings, read_only: bool = False) -> tuple[str, str]:
    """(uri, database) from the crawler or project settings.

    With no MONGO_URI configured, the embedded local server of the project
    data folder is found or started (newscrawler.embedded); `read_only`
    callers (commands that only read) get an EmbeddedServerError instead of a
    new, empty data folder.
    """
    database = settings.get("MONGO_DATABASE") or DEFAULT_DATABASE
    uri = settings.get("MONGO_URI")
    if uri:
        return uri, database
    return ensure_embedded_server(data_dir(settings), embedded_port(settings), read_only=read_only), database


def embedded_port(settings) -> int:
    """The embedded server's port when it starts (a free one if another program holds it)."""
    return settings.getint("NEWSCRAWLER_EMBEDDED_PORT", DEFAULT_EMBEDDED_PORT)


def data_dir(settings) -> Path:
    """The project data folder, absolute: the embedded server's data, the journal."""
    configured = settings.get("NEWSCRAWLER_DATA_DIR")
    folder = Path(configured).expanduser() if configured else default_data_dir(settings.get("NEWSCRAWLER_PROJECT_DIR"))
    return folder.absolute()


def crawl_store(crawler) -> "RevisionStore":
    """The one store of a crawl, shared by the spider (re-checks, known pages)
    and the pipelines: built from the crawler's settings on first use. The
    revision pipeline opens it before anything is fetched and closes it."""
    store = getattr(crawler, "newscrawler_store", None)
    if store is None:
        store = crawler.newscrawler_store = RevisionStore.from_settings(crawler.settings)
    return store


class RevisionStore:
    CHECK_BATCH_SIZE = 100
    CHECK_BATCH_SECONDS = 5.0
    SETTLE_LIMIT = 1000  # articles the tallies take in after each batch of checks (see newscrawler.tallies)
    # Under MongoDB's 16 MiB, leaving room for the command around a document.
    MAX_DOCUMENT_BYTES = 15 * 1024 * 1024
    clock = staticmethod(utc_now)  # where "now" is, for reading recent changes

    def __init__(self, uri: str | None, database: str = DEFAULT_DATABASE, timeout_ms: int = DEFAULT_TIMEOUT_MS,
                 locate_server=None):
        """uri None: locate_server() gives it when the store opens (the embedded server)."""
        self.uri = uri
        self.locate_server = locate_server
        self.database_name = database
        self.timeout_ms = timeout_ms
        self.client = None
        self.db = None
        self.db_before_journal = None  # the same database, writes acknowledged before the journal has them
        self.tallies = None
        self._status_writes = 0  # since the tallies were last settled
        self._checks: list[tuple[str, UpdateOne]] = []  # (article id, its update)
        self._checked_articles: set[str] = set()
        self._checks_since = 0.0
        self._checks_lock = threading.Lock()
        self._check_counts: dict[tuple[str, object], Counter] = defaultdict(Counter)  # (source, hour) -> counts
        self._opening = threading.Lock()

    @classmethod
    def from_settings(cls, settings, read_only: bool = False) -> "RevisionStore":
        """The store the settings name: the one reader of MONGO_URI, MONGO_DATABASE
        and MONGO_TIMEOUT_MS. With no MONGO_URI, the embedded server is started
        or reused when the store opens; `read_only` (commands that only read):
        never in a data folder that does not exist (see mongo_location)."""
        uri = settings.get("MONGO_URI") or None
        return cls(uri, settings.get("MONGO_DATABASE") or DEFAULT_DATABASE,
                   settings.getint("MONGO_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
                   locate_server=None if uri else lambda: mongo_location(settings, read_only)[0])

    @property
    def is_open(self) -> bool:
        return self.client is not None

    def open(self) -> None:
        """Connect, check the server answers, and make the indexes; nothing if
        open already. Raises StorageUnavailable."""
        with self._opening:
            if self.client is None:
                self._open()

    def _open(self) -> None:
        if self.uri is None:
            try:
                self.uri = self.locate_server()
            except (RuntimeError, OSError) as error:  # EmbeddedServerError, a data folder that cannot be written
                raise StorageUnavailable(str(error)) from error
        # journal=True: a write is acknowledged once it is in the server's
        # journal, so a server that crashes right after loses nothing (checked:
        # without it, secantusdb loses acknowledged updates on kill -9).
        # retryWrites=False: the pipeline retries and journals by itself, and
        # secantusdb slows down every write as its retryable-write records pile
        # up (see bench/README.md).
        self.client = MongoClient(
            self.uri, serverSelectionTimeoutMS=self.timeout_ms, tz_aware=True,
            connectTimeoutMS=self.timeout_ms, journal=True, retryWrites=False,
        )
        try:
            self.client.admin.command("ping")
            self.db = self.client[self.database_name]
            self.db_before_journal = self.client.get_database(self.database_name,
                                                              write_concern=WriteConcern(w=1, j=False))
            # Settling is safe to lose in a crash (it starts again from the
            # flags, journaled with the writes that set them) and sends one
            # write per article, for each of which secantusdb would sync its
            # journal (docs/mongodb-compatibility.md, section 8).
            self.tallies = StatusTallies(self.db_before_journal)
            self.ensure_indexes()
            self.fill_sources()
            self.tallies.start_unmigrated()
        except PyMongoError as error:
            self.close()
            raise StorageUnavailable(f"cannot use MongoDB at {self.uri}: {error}") from error

    def close(self) -> None:
        if self.client is not None:
            try:
                self.flush_checks()
            except PyMongoError as error:
                logger.warning("%d recorded check(s) not saved: %s", len(self._checks), error)
            self.client.close()
        self.client = None

    def ensure_indexes(self) -> None:
        for collection, indexes in INDEXES.items():
            for keys, options in indexes:
                self.db[collection].create_index(keys, **options)

    # Reading

    def latest_revision(self, article_id: str) -> dict | None:
        """The newest revision's summary fields (no body)."""
        return self.db.revisions.find_one(
            {"article_id": article_id}, projection=LATEST_REVISION_FIELDS, sort=[("version", DESCENDING)]
        )

    def revision(self, article_id: str, version: int) -> dict | None:
        return self.db.revisions.find_one({"article_id": article_id, "version": version})

    def revisions(self, article_id: str) -> list[dict]:
        return list(self.db.revisions.find({"article_id": article_id}).sort("version", ASCENDING))

    def changes(self, article_id: str) -> list[dict]:
        return list(self.db.changes.find({"article_id": article_id}).sort("to_version", ASCENDING))

    def article(self, article_id: str) -> dict | None:
        self._flush_checks_of(article_id)
        return self.db.articles.find_one({"_id": article_id})

    # Writing revisions. A new version is written in three steps: mark it
    # pending on the article, insert the revision (the unique index arbitrates
    # races), then update the article's summary and clear the mark. A crash in
    # between leaves the mark, which tells the next reader to trust only the
    # revisions collection and repair the summary (see pipelines.revisions).
    # A mark whose revision was never written is withdrawn (withdraw_pending).

    def begin_revision(self, revision: dict) -> None:
        """Mark the revision pending; raises RevisionRefused, writing nothing,
        if the database cannot hold it."""
        self._refuse_unstorable(revision)
        self._flush_checks_of(revision["article_id"])
        begun = self.db.articles.update_one(
            {"_id": revision["article_id"]},
            {
                "$setOnInsert": {"first_seen": revision["fetched_at"], "url": revision["url"],
                                 "source": revision["source"]},
                "$max": {"pending_version": revision["version"]},
                # the page of the latest version is in flux until finish_revision names it
                "$set": {"page_hash": None},
            },
            upsert=True,
        )
        if begun.upserted_id is not None:  # a new article
            self.remember_source(revision["source"])

    def _refuse_unstorable(self, revision: dict) -> None:
        try:
            size = len(bson.encode(revision))
        except (InvalidDocument, UnicodeEncodeError) as error:
            raise RevisionRefused("unencodable", str(error)) from error
        if size > self.MAX_DOCUMENT_BYTES:
            raise RevisionRefused("too_large", f"{size} bytes, over the limit of {self.MAX_DOCUMENT_BYTES}")

    def add_revision(self, revision: dict) -> None:
        """Insert a revision; raises VersionTaken if its version exists already,
        RevisionRefused (its pending mark withdrawn) if the database refuses it."""
        try:
            self.db.revisions.insert_one(dict(revision))
        except DuplicateKeyError as error:
            raise VersionTaken(f"{revision['article_id']} version {revision['version']}") from error
        except (InvalidDocument, UnicodeEncodeError, WriteError) as error:
            why = refusal_reason(error)
            if why is None:
                raise
            self.withdraw_pending(revision["article_id"], revision["version"])
            raise RevisionRefused(why, str(error)) from error

    def withdraw_pending(self, article_id: str, version: int) -> None:
        """Clear a pending mark (up to `version`) whose revision will never be
        written: refused, or a write cut short before its insert. An article
        document left with no version at all goes too."""
        self.clear_pending(article_id, version)
        self.db.articles.delete_one({"_id": article_id, "version": {"$exists": False},
                                     "pending_version": {"$exists": False}})

    def add_change(self, change: dict) -> bool:
        """Store a change record; storing the same one again changes nothing.

        A record too large for one document is stored in the fullest
        summarised form that fits (see change_forms); True if it was."""
        key = {"article_id": change["article_id"], "to_version": change["to_version"]}
        for document in change_forms(change):
            if len(bson.encode(document)) > self.MAX_DOCUMENT_BYTES:
                continue
            try:
                self.db.changes.update_one(key, {"$setOnInsert": document}, upsert=True)
            except (DocumentTooLarge, WriteError) as error:  # a server with a lower limit
                if refusal_reason(error) != "too_large":
                    raise
                continue
            return "summarised" in document
        raise InvalidDocument(f"no form of the change record of {key} fits in one document")

    def has_change(self, article_id: str, to_version: int) -> bool:
        return self.db.changes.count_documents({"article_id": article_id, "to_version": to_version}, limit=1) > 0

    def finish_revision(self, revision: dict, tracking: dict) -> None:
        """Make a stored revision the article's latest, with its new tracking state.

        Only the newest version may set the summary: a slower concurrent writer
        of an older version must not overwrite it.
        """
        article_id, version = revision["article_id"], revision["version"]
        # {"$not": {"$gt": v}} also matches a missing version; an $or here
        # would keep secantusdb from using the _id index.
        newest = {"_id": article_id, "version": {"$not": {"$gt": version}}}
        summary = {"$set": {**summary_of(revision), **tracking, **UNTALLIED}, "$inc": {"checks": 1}}
        # Usually this version is the newest and the only one pending: one round trip.
        finished = self.db.articles.update_one(
            {**newest, "pending_version": version},
            {**summary, "$unset": {**RELEASED_LEASE, "pending_version": ""}},
        )
        if not finished.matched_count:
            summarised = self.db.articles.update_one(newest, {**summary, "$unset": RELEASED_LEASE})
            if not summarised.matched_count:
                self.db.articles.update_one({"_id": article_id}, {"$inc": {"checks": 1}})
            self.clear_pending(article_id, version)
        self._status_writes += 1
        if self._status_writes >= self.CHECK_BATCH_SIZE:
            self.settle_tallies()

    def repair_summary(self, revision: dict) -> None:
        """Bring a summary left behind by an interrupted write up to the revision."""
        article_id, version = revision["article_id"], revision["version"]
        self.db.articles.update_one(
            {"_id": article_id, "version": {"$not": {"$gte": version}}},
            {"$set": summary_of(revision), "$unset": {"page_hash": ""}},  # the page it came from is unknown
        )
        self.clear_pending(article_id, version)

    def clear_pending(self, article_id: str, version: int) -> None:
        self.db.articles.update_one({"_id": article_id, "pending_version": {"$lte": version}},
                                    {"$unset": {"pending_version": ""}})

    # Recording checks that stored no new version

    def record_check(self, article_id: str, fields: dict, page_of_version: tuple[int, str] | None = None) -> None:
        """Record a check (unchanged, not modified, failed, held...) and its new tracking state.

        `page_of_version` (version, page hash): the checked page was found to
        have the text of that version, so its hash becomes the article's
        `page_hash`, unless another version has become the latest, or is being
        written, meanwhile.

        Checks are sent in batches, one bulk write per CHECK_BATCH_SIZE checks
        or CHECK_BATCH_SECONDS, so that an unchanged article costs one round
        trip (its read). Reading or writing an article first sends its own
        pending check. A crash of the crawl loses at most the pending checks, a
        crash of the database server also the last batch sent: check counts,
        times, page hashes and held text, never a revision.
        """
        if self.queue_check(article_id, fields, page_of_version=page_of_version):
            self.flush_checks()

    def queue_check(self, article_id: str, fields: dict, page_of_version: tuple[int, str] | None = None) -> bool:
        """Add a check to the next batch, sending nothing; True when the batch
        is due (see record_check)."""
        updates = [UpdateOne({"_id": article_id}, check_update(fields))]
        if page_of_version:
            version, page_hash = page_of_version
            # not while another version is being written: its page is in flux (see begin_revision)
            settled = {"_id": article_id, "version": version, "pending_version": {"$exists": False}}
            updates.append(UpdateOne(settled, {"$set": {"page_hash": page_hash}}))
        with self._checks_lock:
            if not self._checks:
                self._checks_since = time.monotonic()
            self._checks.extend((article_id, update) for update in updates)
            self._checked_articles.add(article_id)
            self._status_writes += "status" in fields
            return (len(self._checks) >= self.CHECK_BATCH_SIZE
                    or time.monotonic() - self._checks_since >= self.CHECK_BATCH_SECONDS)

    def flush_checks(self) -> None:
        """Send the pending checks and check counts; on failure they stay pending."""
        with self._checks_lock:
            batch, self._checks = self._checks, []
            self._checked_articles = set()
        if batch:
            try:
                # Acknowledged before the journal has them: half the cost on
                # secantusdb, and check records may be lost in a crash anyway. The
                # journal is sequential: any later journaled write makes them durable.
                self.db_before_journal.articles.bulk_write([update for _, update in batch], ordered=False)
            except PyMongoError:
                with self._checks_lock:
                    self._checks[:0] = batch
                    self._checked_articles.update(article_id for article_id, _ in batch)
                raise
        with self._checks_lock:
            counts, self._check_counts = self._check_counts, defaultdict(Counter)
        self._send_check_counts(counts)
        if self._status_writes:
            self.settle_tallies()

    def settle_tallies(self) -> None:
        """Count the statuses written since the last settle in the tallies; on
        failure they are counted by the next (and read meanwhile by article_totals)."""
        self._status_writes = 0
        try:
            self.tallies.settle(self.SETTLE_LIMIT)
        except PyMongoError as error:
            logger.warning("Articles by status not brought up to date (the next batch of checks will): %s", error)

    def count_check(self, source: str, fetched_at: datetime, failure: str | None = None) -> None:
        """Count a check of a source in its hour (and why its extraction failed),
        sent with the next batch of checks: nothing is sent now."""
        hour = fetched_at.replace(minute=0, second=0, microsecond=0)
        with self._checks_lock:
            counts = self._check_counts[(source, hour)]
            counts["checks"] += 1
            if failure:
                counts["extraction_failed"] += 1
                counts[f"reasons.{failure}"] += 1

    def _send_check_counts(self, counts: dict) -> None:
        """One upsert per source and hour; counts that cannot be sent wait for the next batch."""
        if not counts:
            return
        updates = [UpdateOne({"_id": f"{source} {hour.isoformat()}"},
                             {"$setOnInsert": {"source": source, "hour": hour}, "$inc": dict(tally)}, upsert=True)
                   for (source, hour), tally in counts.items()]
        try:
            self.db_before_journal.check_counts.bulk_write(updates, ordered=False)
        except PyMongoError:
            with self._checks_lock:
                for key, tally in counts.items():
                    self._check_counts[key].update(tally)
            raise

    def check_counts(self, since: datetime, source: str | None = None) -> list[dict]:
        """The hourly check counts from `since` on (newest first)."""
        query = {"hour": {"$gte": since.replace(minute=0, second=0, microsecond=0)}}
        if source:
            query["source"] = source
        return list(self.db.check_counts.find(query).sort("hour", DESCENDING))

    def _flush_checks_of(self, article_id: str) -> None:
        if article_id in self._checked_articles:
            self.flush_checks()

    def claim_due(self, source: str, now, lease: timedelta, limit: int | None,
                  everything: bool = False, token: str | None = None, since=None) -> list[dict]:
        """Claim up to `limit` (None: no bound) active articles of a source that
        are due, oldest due first.

        Candidates come from one indexed query, oldest due first; they are then
        claimed a batch at a time by one update of many documents that sets a
        lease, and this claim's token, only where nobody holds a lease. Each
        document is updated atomically, so crawls running at once never claim
        the same article while its lease lasts, and a lease that has expired
        can be claimed again. The claimed ones are read back by the token.
        (secantusdb takes 50 ms for one find-and-modify, 2.5 ms per document
        this way.) With `everything`, active articles are claimed whatever
        their next check time. `token`: the crawl's claim token (default: a new one).
        `since`: the crawl's start; an article checked at or after it (by
        another crawl of the same period) is not claimed, whatever its next
        check time.
        """
        due = {"source": source, "status": "active"}
        if not everything:
            due["next_check"] = {"$lte": now}
        token = token or new_claim_token()
        candidates = self.db.articles.find(due, projection={"_id": 1}).sort("next_check", ASCENDING)
        # not in the candidates' query, which the due_checks index serves alone
        claimable = {**due, "last_checked": {"$not": {"$gte": since}}} if since else due
        claimed = []
        try:
            while limit is None or len(claimed) < limit:
                wanted = LOOKUP_BATCH_SIZE if limit is None else min(LOOKUP_BATCH_SIZE, limit - len(claimed))
                batch = [candidate["_id"] for candidate in itertools.islice(candidates, wanted)]
                if not batch:
                    break
                claimed += self._claim_batch(claimable, batch, now, lease, token)
        finally:
            candidates.close()
        return claimed

    def _claim_batch(self, claimable: dict, article_ids: list[str], now, lease: timedelta,
                     token: str) -> list[dict]:
        # an unleased article has no lease_until; {"$not": {"$gt"}} matches it too.
        # _id first: secantusdb scans the collection for this filter unless it leads.
        self.db.articles.update_many(
            {"_id": {"$in": article_ids}, **claimable, "lease_until": {"$not": {"$gt": now}}},
            {"$set": {"lease_until": now + lease, "lease_owner": token}},
        )
        found = self.db.articles.find({"_id": {"$in": article_ids}, "lease_owner": token},
                                      projection={**PAGE_FIELDS, "next_check": 1, "lease_owner": 1})
        return sorted(found, key=lambda article: article_ids.index(article["_id"]))

    def release_leases(self, claimed: list[dict]) -> None:
        """Release the leases of articles claimed by claim_due, unless claimed again since."""
        by_claim = defaultdict(list)
        for article in claimed:
            by_claim[article["lease_owner"]].append(article["_id"])
        for token, article_ids in by_claim.items():
            for batch in lookup_batches(article_ids):
                self.db.articles.update_many({"_id": {"$in": batch}, "lease_owner": token},
                                             {"$unset": RELEASED_LEASE})

    def claim_pages(self, article_ids: list[str], now, since, lease: timedelta, token: str) -> dict[str, dict | None]:
        """Claim one fetch of each of these articles (feed entries) for the
        crawl of `token`; returns the claimed ones by id: PAGE_FIELDS of a
        tracked article, None for one no crawl has stored yet.

        A tracked article is claimed as a due one is (claim_due), whatever its
        next check time, unless another crawl's lease on it lasts or it was
        checked at or after `since` (the claiming crawl's start: by another
        crawl of the same period). An article this crawl holds already is
        claimed. An article without a version (not stored yet, or its first
        version being written) is claimed by a lease of its own in
        `first_fetches`, which is never released: a crawl that found it
        untracked before another crawl stored it must still find it taken.
        """
        claimed = {}
        try:
            for batch in lookup_batches(article_ids):
                claimed.update(self._claim_pages_batch(batch, now, since, {"lease_until": now + lease,
                                                                           "lease_owner": token}))
        except PyMongoError as error:
            raise StorageUnavailable(f"cannot claim feed entries in {self.uri}: {error}") from error
        return claimed

    def _claim_pages_batch(self, article_ids: list[str], now, since, leased: dict) -> dict[str, dict | None]:
        # no $or, which would keep secantusdb off the _id index
        tracked_only = {"_id": {"$in": article_ids}, "version": {"$exists": True}}
        self.db.articles.update_many({**tracked_only, "lease_until": {"$not": {"$gt": now}},
                                      "last_checked": {"$not": {"$gte": since}}}, {"$set": leased})
        tracked = {article["_id"]: article for article in
                   self.db.articles.find(tracked_only, projection={**PAGE_FIELDS, "lease_owner": 1})}
        claimed = {article_id: article for article_id, article in tracked.items()
                   if article.get("lease_owner") == leased["lease_owner"]}
        untracked = [article_id for article_id in article_ids if article_id not in tracked]
        claimed.update(dict.fromkeys(self._claim_first_fetches(untracked, now, leased)))
        return claimed

    def _claim_first_fetches(self, article_ids: list[str], now, leased: dict) -> list[str]:
        """The ones of these untracked articles whose first fetch this claim won, or holds already."""
        if not article_ids:
            return []
        # where a live lease exists the filter matches nothing, and the upsert's
        # insert of the same _id fails: a claim lost, never a second lease
        claims = [UpdateOne({"_id": article_id, "lease_until": {"$not": {"$gt": now}}}, {"$set": leased}, upsert=True)
                  for article_id in article_ids]
        try:
            self.db.first_fetches.bulk_write(claims, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(failed.get("code") != DUPLICATE_KEY for failed in errors) or error.details.get("writeConcernErrors"):
                raise
            taken = {article_ids[failed["index"]] for failed in errors}
            held = {claim["_id"] for claim in self.db.first_fetches.find(
                {"_id": {"$in": list(taken)}, "lease_owner": leased["lease_owner"]}, projection={"_id": 1})}
            return [article_id for article_id in article_ids if article_id not in taken or article_id in held]
        return article_ids

    def drop_expired_first_fetches(self, now) -> int:
        """Delete the leases of first fetches that have ended by `now` (the
        crawl's clock, which a TTL index would not follow); how many."""
        return self.db.first_fetches.delete_many({"lease_until": {"$lte": now}}).deleted_count

    def known_pages(self, article_ids: list[str]) -> dict[str, dict]:
        """PAGE_FIELDS of those of these articles that are tracked, by id."""
        known = {}
        try:
            for batch in lookup_batches(article_ids):
                for article in self.db.articles.find({"_id": {"$in": batch}}, projection=PAGE_FIELDS):
                    known[article["_id"]] = article
        except PyMongoError as error:
            raise StorageUnavailable(f"cannot read tracked articles from {self.uri}: {error}") from error
        return known

    def version_with_hash(self, article_id: str, content_hash: str) -> int | None:
        """The newest earlier version with exactly this content, if any."""
        earlier = self.db.revisions.find_one(
            {"article_id": article_id, "content_hash": content_hash},
            projection={"_id": 0, "version": 1}, sort=[("version", DESCENDING)],
        )
        return earlier["version"] if earlier else None

    # Captures: the pages behind the versions (newscrawler.captures)

    def capture(self, page_hash: str, body: bool = True) -> dict | None:
        return self.db.captures.find_one({"_id": page_hash}, projection=None if body else {"body": 0})

    def save_capture(self, document: dict, *, for_version: bool = False, failed_until: datetime | None = None) -> bool:
        """Store a capture unless these bytes are stored already (True if it was
        inserted), and say what keeps it: a version names it (it is never
        removed), or a failed extraction until `failed_until`. An insert that
        loses a race with another writer of the same bytes is no error."""
        update: dict = {"$setOnInsert": {field: value for field, value in document.items() if field != "_id"}}
        if for_version:
            update["$set"] = {"for_version": True}
        if failed_until is not None:
            update["$max"] = {"failed_until": failed_until}
        try:
            result = self.db.captures.update_one({"_id": document["_id"]}, update, upsert=True)
        except DuplicateKeyError:  # two upserts of the same new bytes at once: the other inserted it
            self.db.captures.update_one({"_id": document["_id"]}, {k: v for k, v in update.items()
                                                                   if k != "$setOnInsert"} or {"$set": {}})
            return False
        return result.upserted_id is not None

    def mark_capture_for_version(self, page_hash: str) -> bool:
        """A stored capture becomes a version's (kept for good); False if it is not there."""
        return self.db.captures.update_one({"_id": page_hash}, {"$set": {"for_version": True}}).matched_count > 0

    def add_extraction_failure(self, failure: dict) -> None:
        self.db.extraction_failures.insert_one(dict(failure))

    def expire_failures(self, now: datetime, limit: int) -> tuple[int, int]:
        """Remove up to `limit` extraction failures kept past their time, and up
        to `limit` captures that only they kept; (failures, captures) removed."""
        removed = []
        for collection, expired in (
            (self.db.extraction_failures, {"expires_at": {"$lt": now}}),
            # a capture a version names (for_version) stays, whatever its failures
            (self.db.captures, {"failed_until": {"$lt": now}, "for_version": {"$ne": True}}),
        ):
            count = 0
            while count < limit:
                ids = [doc["_id"] for doc in collection.find(expired, projection={"_id": 1})
                       .limit(min(LOOKUP_BATCH_SIZE, limit - count))]
                if not ids:
                    break
                count += collection.delete_many({**expired, "_id": {"$in": ids}}).deleted_count
                if len(ids) < LOOKUP_BATCH_SIZE:
                    break
            removed.append(count)
        return removed[0], removed[1]

    def extraction_failures(self, query: dict, sort=(("article_id", ASCENDING), ("fetched_at", ASCENDING),
                                                     ("_id", ASCENDING))):
        """Extraction failures matching `query`, in the given order (a cursor)."""
        return self.db.extraction_failures.find(query).sort(list(sort))

    def mark_failure_reextracted(self, failure_id, reextraction: dict) -> None:
        self.db.extraction_failures.update_one({"_id": failure_id}, {"$set": {"reextracted": reextraction}})

    def record_reextraction(self, article_id: str, version: int, reextraction: dict) -> None:
        """Record what the current extractor reads in a version's capture, on the
        revision and, while it is the latest, on the article."""
        self.db.revisions.update_one({"article_id": article_id, "version": version},
                                     {"$set": {"reextracted": reextraction}})
        self.db.articles.update_one({"_id": article_id, "version": version}, {"$set": {"reextracted": reextraction}})

    def revisions_with_captures(self, query: dict):
        """Revisions naming a capture, without their text, oldest fetch first (a cursor)."""
        return self.db.revisions.find({**query, "capture": {"$type": "string"}},
                                      projection={"body": 0}).sort([("fetched_at", ASCENDING), ("_id", ASCENDING)])

    # Reading for the CLI, feeds and web view

    def version_list(self, article_id: str) -> list[dict]:
        """The article's stored versions without their bodies, oldest first."""
        return list(self.db.revisions.find({"article_id": article_id}, projection={"body": 0})
                    .sort("version", ASCENDING))

    def change_summaries(self, article_id: str) -> list[dict]:
        """The article's change records without their paragraph ops, oldest first."""
        return list(self.db.changes.find({"article_id": article_id}, projection={"paragraphs": 0})
                    .sort("to_version", ASCENDING))

    def find_changes(self, *, article_id: str | None = None, source: str | None = None,
                     substantive_only: bool = False, since=None, skip: int = 0, limit: int = 50) -> list[dict]:
        """Change records, newest first, without their paragraph ops (served by the detected_at indexes).

        Read in windows of detection time going back from now, each twice as
        long as the one before, until enough are found: secantusdb reads every
        document in the index range of a query before it sorts and limits, so
        an unbounded "newest 50" would read every change record ever stored.
        One article's changes are few: read at once.
        """
        query = changes_query(article_id=article_id, source=source, substantive_only=substantive_only)
        return self._newest_in_windows(query, since, skip, limit, self._newest_changes)

    def _newest_in_windows(self, query: dict, since, skip: int, limit: int, read,
                           field: str = "detected_at") -> list[dict]:
        """read(query, skip, limit) over windows of `field`, a time (see find_changes)."""
        if "article_id" in query:
            if since is not None:
                query = {**query, field: {"$gte": since}}
            return read(query, skip, limit)
        wanted, found = skip + limit, []
        for window in detection_windows(self.clock(), since):
            # the time range first: secantusdb serves a filter by the first of its
            # clauses that rides an index (see docs/mongodb-compatibility.md)
            found += read({field: window, **query}, 0, wanted - len(found))
            if len(found) >= wanted:
                break
        return found[skip:wanted]

    def _newest_changes(self, query: dict, skip: int, limit: int) -> list[dict]:
        found = self.db.changes.find(query, projection={"paragraphs": 0}).sort("detected_at", DESCENDING)
        return list(found.skip(skip).limit(limit))

    def remember_source(self, source: str, tallied: bool = True) -> None:
        """`tallied`: all the source's articles are counted by the tallies (a new source's are)."""
        since = {"tallied_since": utc_now()} if tallied else {}
        self.db.sources.update_one({"_id": source}, {"$setOnInsert": {"_id": source, **since}}, upsert=True)

    def sources(self) -> list[str]:
        """The sources of the tracked articles, from the `sources` collection (one
        document per source, written with an article's first version): a
        `distinct` over the articles reads every article on secantusdb."""
        return sorted(document["_id"] for document in self.db.sources.find({}, projection={"_id": 1}))

    def fill_sources(self) -> None:
        """A database from before the `sources` collection: its articles are read once to fill it."""
        if self.db.sources.find_one({}, projection={"_id": 1}) is None:
            for source in self.db.articles.distinct("source"):
                if source:
                    self.remember_source(source, tallied=False)


    # ------------------------------------------------------------------
    # Read-only queries of the reading side (CLI, feeds, web view): one change
    # record in full, changes with their changed paragraphs, tracked articles,
    # their totals, and search. Each is served by an index on MongoDB.

    ARTICLE_LIST_FIELDS = {"url": 1, "source": 1, "headline": 1, "status": 1, "version": 1, "first_seen": 1,
                           "last_changed": 1, "next_check": 1}
    SEARCH_SCAN = 20_000  # most recently changed articles a headline search reads

    def change(self, article_id: str, to_version: int) -> dict | None:
        """The change record that made `to_version`, with its paragraph ops.

        (Filtering out the "equal" ops in the server would send less, but
        secantusdb evaluates $filter five times slower than the client decodes them.)
        """
        return self.db.changes.find_one({"article_id": article_id, "to_version": to_version})

    def find_changes_with_words(self, *, article_id: str | None = None, source: str | None = None,
                                limit: int = 50, ops_each: int = 10) -> list[dict]:
        """Change records, newest first, each with only its first `ops_each` ops of
        changed paragraphs (see change()); read in windows as find_changes is."""
        def read(query: dict, skip: int, limit: int) -> list[dict]:
            return list(self.db.changes.aggregate([
                {"$match": query},
                {"$sort": {"detected_at": DESCENDING}},
                {"$skip": skip},
                {"$limit": limit},
                {"$addFields": {"paragraphs": {"$slice": [CHANGED_OPS, ops_each]}}},
            ]))

        return self._newest_in_windows(changes_query(article_id=article_id, source=source), None, 0, limit, read)

    def article_totals(self, now) -> dict:
        """Counts for an overview: articles by source and status and versions
        stored (the tallies), checks due now by source and changes detected in
        the day before `now` (index ranges)."""
        by_status, versions = self.tallies.totals()
        due = {source: self.db.articles.count_documents({"source": source, "status": "active",
                                                          "next_check": {"$lte": now}})
               for source in self.sources()}
        return {
            "articles": by_status,
            "due": due,
            "versions": self.db.revisions.estimated_document_count() if versions is None else versions,
            "changes_last_day": self.db.changes.count_documents({"detected_at": {"$gte": now - timedelta(days=1)}}),
        }

    def list_articles(self, *, source: str | None = None, status: str | None = None,
                      skip: int = 0, limit: int = 25) -> list[dict]:
        """Tracked articles, most recently changed first (the last_changed indexes),
        read in windows of last_changed as find_changes reads change records."""
        def read(query: dict, skip: int, limit: int) -> list[dict]:
            found = self.db.articles.find(query, projection=self.ARTICLE_LIST_FIELDS).sort("last_changed", DESCENDING)
            return list(found.skip(skip).limit(limit))

        query = {key: value for key, value in (("source", source), ("status", status)) if value}
        return self._newest_in_windows(query, None, skip, limit, read, field="last_changed")

    def search_articles(self, text: str, *, source: str | None = None, skip: int = 0, limit: int = 25,
                        address_id=article_id) -> list[dict]:
        """Articles found by an address (or its beginning: `https://www.bbc.co.uk/news/uk-`,
        in any spelling a feed uses, as address_id makes it an article id) or else by
        words of their headline. Raises ValueError for an address that cannot be read."""
        text = text.strip()
        if is_address(text):
            return self.articles_with_id_prefix(address_id(text if "://" in text else "https://" + text),
                                                source=source, skip=skip, limit=limit)
        return self.articles_with_headline_words(text.split(), source=source, skip=skip, limit=limit)

    def articles_with_id_prefix(self, prefix: str, *, source: str | None = None, skip: int = 0,
                                limit: int = 25) -> list[dict]:
        """Tracked articles whose id (canonical URL) starts with `prefix`, in id order:
        a range of the _id index."""
        query = {"_id": {"$gte": prefix, "$lt": prefix + "\U0010ffff"}, **({"source": source} if source else {})}
        found = self.db.articles.find(query, projection=self.ARTICLE_LIST_FIELDS).sort("_id", ASCENDING)
        return list(found.skip(skip).limit(limit))

    def articles_with_headline_words(self, words: list[str], *, source: str | None = None, skip: int = 0,
                                     limit: int = 25, scan: int | None = None) -> list[dict]:
        """Articles whose headline contains every one of `words` (any case), most
        recently changed first, among the `scan` most recently changed articles (of
        the source): the work is bounded by `scan` documents read in last_changed
        index order, however large the collection. Read in windows of time, as
        find_changes reads change records, and matched here: secantusdb reads a
        whole index range before it sorts and limits."""
        wanted, scan = [word.lower() for word in words], scan or self.SEARCH_SCAN
        found, read = [], 0
        for window in detection_windows(self.clock()):
            query = {"last_changed": window, **({"source": source} if source else {})}
            batch = list(self.db.articles.find(query, projection=self.ARTICLE_LIST_FIELDS)
                         .sort("last_changed", DESCENDING).limit(scan - read))
            read += len(batch)
            found += [article for article in batch
                      if all(word in (article.get("headline") or "").lower() for word in wanted)]
            if read >= scan or len(found) >= skip + limit:
                break
        return found[skip:skip + limit]

    # Alerts (newscrawler/alerts/): subscriptions, and the outbox. A change
    # record stored while alerts are on carries `alerts: "pending"` from its
    # own insert; matching it to the subscriptions queues one delivery per
    # target (an upsert keyed by change and target, so doing it twice queues
    # nothing more), then clears the mark.

    def add_subscription(self, document: dict) -> None:
        self.db.alert_subscriptions.insert_one(document)

    def subscriptions(self) -> list[dict]:
        return list(self.db.alert_subscriptions.find().sort("created_at", ASCENDING))

    def remove_subscription(self, subscription_id: str) -> dict | None:
        """The removed subscription, or None if there was none with this id."""
        return self.db.alert_subscriptions.find_one_and_delete({"_id": subscription_id})

    def changes_to_alert(self, limit: int) -> list[dict]:
        """Change records still marked pending (served by the sparse alerts_pending index)."""
        return list(self.db.changes.find({"alerts": ALERT_PENDING}).hint("alerts_pending").limit(limit))

    def changes_by_ids(self, change_ids: list) -> list[dict]:
        return list(self.db.changes.find({"_id": {"$in": change_ids}}).sort("to_version", ASCENDING))

    def queue_deliveries(self, deliveries: list[dict]) -> None:
        """Insert deliveries not queued yet (their _id: change id and target id); the
        journal has them once the marks of their change records are cleared (a
        journaled write after them), see clear_alert_marks."""
        try:
            self.db_before_journal.alert_deliveries.insert_many(deliveries, ordered=False)
        except BulkWriteError as error:
            if any(failure.get("code") != DUPLICATE_KEY for failure in error.details.get("writeErrors", ())):
                raise

    def clear_alert_marks(self, change_ids: list) -> None:
        for batch in lookup_batches(change_ids):
            self.db.changes.update_many({"_id": {"$in": batch}}, {"$unset": {"alerts": ""}})

    def due_deliveries(self, now, limit: int) -> list[dict]:
        """Pending deliveries whose next attempt is due and that no sender holds, soonest first."""
        return list(self.db.alert_deliveries.find(
            {"status": DELIVERY_PENDING, "next_attempt": {"$lte": now}, "lease_until": {"$not": {"$gt": now}}},
        ).sort("next_attempt", ASCENDING).limit(limit))

    def last_alerted(self, target_id: str, article_id: str):
        """When the target was last sent an alert of this article (the crawl's clock), or None."""
        last = self.db.alert_deliveries.find_one(
            {"target_id": target_id, "article_id": article_id, "status": DELIVERY_SENT},
            projection={"alerted_at": 1}, sort=[("alerted_at", DESCENDING)])
        return last and last.get("alerted_at")

    def claim_alerts(self, alerts: list[tuple[list[dict], str]], now, lease: timedelta) -> list[list[dict]]:
        """Claim alerts for sending, each (its pending deliveries, its key), in
        one write: deliveries another sender holds are left out. The claimed
        deliveries of each alert (alerts with none left out), with this claim's
        token and the alert's key as `batch`.

        Delivery bookkeeping is acknowledged before the journal has it: a crash
        of the crawl loses none of it, a crash of the server at worst sends an
        alert again, with the same key."""
        token = uuid.uuid4().hex
        claims = [(deliveries, {"lease_until": now + lease, "lease_owner": token, "batch": key})
                  for deliveries, key in alerts]
        result = self.db_before_journal.alert_deliveries.bulk_write([UpdateMany(
            {"_id": {"$in": [delivery["_id"] for delivery in deliveries]}, "status": DELIVERY_PENDING,
             "lease_until": {"$not": {"$gt": now}}}, {"$set": claim}) for deliveries, claim in claims], ordered=False)
        if result.modified_count == sum(len(deliveries) for deliveries, _ in claims):
            return [[{**delivery, **claim} for delivery in deliveries] for deliveries, claim in claims]
        ids = [delivery["_id"] for deliveries, _ in claims for delivery in deliveries]
        found = {delivery["_id"]: delivery
                 for delivery in self.db.alert_deliveries.find({"_id": {"$in": ids}, "lease_owner": token})}
        claimed = [[found[delivery["_id"]] for delivery in deliveries if delivery["_id"] in found]
                   for deliveries, _ in claims]
        return [deliveries for deliveries in claimed if deliveries]

    def release_deliveries(self, claimed: list[dict], until=None) -> None:
        """Release claimed deliveries unsent, due again at `until` if given."""
        update = {"$unset": RELEASED_DELIVERY}
        if until is not None:
            update["$set"] = {"next_attempt": until}
        self.db_before_journal.alert_deliveries.update_many(
            {"_id": {"$in": [delivery["_id"] for delivery in claimed]}, "lease_owner": claimed[0]["lease_owner"]},
            update)

    def finish_deliveries(self, claimed: list[dict], fields: dict) -> None:
        """Record the outcome of an attempt to send claimed deliveries, and release them."""
        self.db_before_journal.alert_deliveries.update_many(
            {"_id": {"$in": [delivery["_id"] for delivery in claimed]}, "lease_owner": claimed[0]["lease_owner"]},
            {"$set": fields, "$unset": RELEASED_DELIVERY, "$inc": {"attempts": 1}})

    def postpone_deliveries(self, delivery_ids: list[str], until) -> None:
        """Leave these pending deliveries out of the due ones until `until`, unless claimed meanwhile."""
        self.db.alert_deliveries.update_many(
            {"_id": {"$in": delivery_ids}, "status": DELIVERY_PENDING, "lease_owner": {"$exists": False}},
            {"$set": {"next_attempt": until}})

    def cancel_deliveries(self, target_id: str) -> int:
        """Drop a target's pending deliveries (nobody subscribes to it any more); how many."""
        return self.db.alert_deliveries.delete_many({"target_id": target_id, "status": DELIVERY_PENDING}).deleted_count

    def target_succeeded(self, target_id: str, shown: str, now) -> None:
        self.db_before_journal.alert_targets.update_one(
            {"_id": target_id},
            {"$set": {"target": shown, "failures": 0, "failing": False, "last_success_at": now}}, upsert=True)

    def target_failed(self, target_id: str, shown: str, error: str, now, failing_after: int) -> bool:
        """Count a failure of the target; True if it has now failed `failing_after` times in a row."""
        self.db_before_journal.alert_targets.update_one(
            {"_id": target_id},
            {"$set": {"target": shown, "last_error": error, "last_failure_at": now}, "$inc": {"failures": 1}},
            upsert=True)
        marked = self.db_before_journal.alert_targets.update_one(
            {"_id": target_id, "failures": {"$gte": failing_after}, "failing": {"$ne": True}},
            {"$set": {"failing": True, "failing_since": now}})
        return marked.modified_count == 1

    def alert_targets(self) -> list[dict]:
        return list(self.db.alert_targets.find())

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """Deliveries by (target id, status)."""
        grouped = self.db.alert_deliveries.aggregate([
            {"$group": {"_id": {"target_id": "$target_id", "status": "$status"}, "count": {"$sum": 1}}}])
        return {(group["_id"]["target_id"], group["_id"]["status"]): group["count"] for group in grouped}

    def count_pending_deliveries(self) -> int:
        return self.db.alert_deliveries.count_documents({"status": DELIVERY_PENDING})

    def count_changes_to_alert(self) -> int:
        return self.db.changes.count_documents({"alerts": ALERT_PENDING}, hint="alerts_pending")


# The first window of find_changes (and of a headline search), and the time before which nothing is looked for.
FIRST_WINDOW = timedelta(hours=6)
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)


def detection_windows(now: datetime, since: datetime | None = None):
    """Ranges of detected_at, newest first, each twice as long as the one
    before: [now - 6h, any later), [now - 18h, now - 6h), ... back to `since`
    (or EARLIEST)."""
    floor = max(since, EARLIEST) if since is not None else EARLIEST
    upper, width = None, FIRST_WINDOW
    while upper is None or upper > floor:
        lower = max(floor, (upper or now) - width)
        yield {"$gte": lower} if upper is None else {"$gte": lower, "$lt": upper}
        upper, width = lower, width * 2


# The paragraph ops of a change record other than "equal" (an absent list stays absent).
CHANGED_OPS = {"$cond": [{"$isArray": "$paragraphs"},
                         {"$filter": {"input": "$paragraphs", "cond": {"$ne": ["$$this.op", "equal"]}}},
                         "$$REMOVE"]}


def is_address(text: str) -> bool:
    """Whether a search is for an address rather than for words: one token with a
    scheme, or starting with www."""
    return bool(text) and not any(c.isspace() for c in text) and (
        "://" in text or text.lower().startswith("www."))


def changes_query(*, article_id: str | None = None, source: str | None = None,
                  substantive_only: bool = False, since=None) -> dict:
    """The filter on change records that find_changes and find_changes_with_words share."""
    query = {}
    if article_id:
        query["article_id"] = article_id
    if source:
        query["source"] = source
    if substantive_only:
        query["classification.substantive"] = True
    if since is not None:
        query["detected_at"] = {"$gte": since}
    return query


def new_claim_token() -> str:
    """A token naming one crawl's claims (lease_owner)."""
    return uuid.uuid4().hex


def check_update(fields: dict) -> list[dict]:
    """The update of an article by a check: a pipeline, so that the article is
    flagged for the tallies only if its status changed (newscrawler.tallies)."""
    return [
        {"$set": {**{name: {"$literal": value} for name, value in fields.items()},
                  "checks": {"$add": [{"$ifNull": ["$checks", 0]}, 1]}}},
        {"$unset": list(RELEASED_LEASE)},
        FLAG_IF_CHANGED,
    ]


def change_forms(change: dict):
    """A change record, then its summarised forms, fullest first. A summarised
    record has `summarised: true` and every field but the paragraph alignment:
    first with the changed paragraphs' ops without their text, then with no
    `paragraphs`, last also without its headline and byline texts. Readers
    recompute the alignment from the two revisions."""
    yield change
    summary = {field: value for field, value in change.items() if field != "paragraphs"}
    summary["summarised"] = True
    yield {**summary, "paragraphs": [_outline(op) for op in change.get("paragraphs", ()) if op["op"] != "equal"]}
    yield summary
    yield {**summary, **dict.fromkeys(CHANGE_TEXT_FIELDS)}


def _outline(op: dict) -> dict:
    """A paragraph op without its text: which paragraphs, not what they say."""
    return {field: op[field] for field in ("op", "old_index", "new_index", "shape") if field in op}


def summary_of(revision: dict) -> dict:
    """The fields of an article document that describe its latest revision."""
    return {
        "version": revision["version"],
        "kind": revision.get("kind", "content"),
        "headline": revision["headline"],
        "content_hash": revision["content_hash"],
        "text_length": revision.get("text_length"),
        "last_changed": revision["fetched_at"],
        "changes": revision["version"] - 1,
        # what the latest version was read from, and by what (see pipelines.revisions: re-reading)
        "capture": revision.get("capture"),
        "extractor": revision.get("extractor"),
        "reextracted": None,
    }
