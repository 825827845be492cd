"""MongoDB storage of articles, revisions and change records.

This is the only module that talks to pymongo. The collections, fields and
indexes made here are a public interface (see README.md, "Data in MongoDB"):

- `articles`: one document per tracked article, `_id` = article id (canonical URL).
- `revisions`: one document per stored version, unique on (article_id, version).
- `changes`: one document per new version from the second on, unique on
  (article_id, to_version).
- `captures`: the raw pages versions were read from, and pages whose
  extraction failed, once per page hash (newscrawler.captures).
- `extraction_failures`: one document per check whose page could not be read,
  naming its capture, kept for NEWSCRAWLER_CAPTURES_FAILED_DAYS.
- `check_counts`: checks and extraction failures per source and hour.

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
from datetime import datetime, timedelta
from pathlib import Path

import bson
from bson.errors import InvalidDocument
from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateOne, WriteConcern
from pymongo.errors import ConnectionFailure, DocumentTooLarge, DuplicateKeyError, PyMongoError, WriteError

from newscrawler.embedded import default_data_dir, ensure_embedded_server

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
# Server error codes for a document over the size limit (the driver usually refuses it first).
TOO_LARGE_CODES = {10334, 17419}
# The text fields of a change record, which its last summarised form leaves to the revisions.
CHANGE_TEXT_FIELDS = ("old_headline", "new_headline", "old_byline", "new_byline")


# Raised by any store method when the server cannot be reached (it went away,
# a network timeout): the caller may retry later or journal the item.
DatabaseAway = ConnectionFailure
# Raised by any store method the server refuses (DatabaseAway included).
StorageError = PyMongoError


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
    port = settings.getint("NEWSCRAWLER_EMBEDDED_PORT", DEFAULT_EMBEDDED_PORT)
    return ensure_embedded_server(data_dir(settings), port, read_only=read_only), database


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
    # Under MongoDB's 16 MiB, leaving room for the command around a document.
    MAX_DOCUMENT_BYTES = 15 * 1024 * 1024

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
        self._checks: list[tuple[str, UpdateOne]] = []  # (article id, its update)
        self._checked_articles: set[str] = set()
        self._checks_since = 0.0
        self._checks_lock = threading.Lock()
        self._check_counts: dict[tuple[str, object], Counter] = defaultdict(Counter)  # (source, hour) -> counts
        self._opening = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "RevisionStore":
        """The store the settings name: the one reader of MONGO_URI, MONGO_DATABASE
        and MONGO_TIMEOUT_MS. With no MONGO_URI, the embedded server is started
        or reused when the store opens."""
        uri = settings.get("MONGO_URI") or None
        return cls(uri, settings.get("MONGO_DATABASE") or DEFAULT_DATABASE,
                   settings.getint("MONGO_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
                   locate_server=None if uri else lambda: mongo_location(settings)[0])

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
            self.ensure_indexes()
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
        self.db.articles.update_one(
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
        summary = {"$set": {**summary_of(revision), **tracking}, "$inc": {"checks": 1}}
        # Usually this version is the newest and the only one pending: one round trip.
        finished = self.db.articles.update_one(
            {**newest, "pending_version": version},
            {**summary, "$unset": {**RELEASED_LEASE, "pending_version": ""}},
        )
        if finished.matched_count:
            return
        summarised = self.db.articles.update_one(newest, {**summary, "$unset": RELEASED_LEASE})
        if not summarised.matched_count:
            self.db.articles.update_one({"_id": article_id}, {"$inc": {"checks": 1}})
        self.clear_pending(article_id, version)

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
        updates = [UpdateOne({"_id": article_id},
                             {"$set": fields, "$inc": {"checks": 1}, "$unset": RELEASED_LEASE})]
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
                  everything: bool = False) -> list[dict]:
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
        their next check time.
        """
        due = {"source": source, "status": "active"}
        if not everything:
            due["next_check"] = {"$lte": now}
        token = uuid.uuid4().hex
        candidates = self.db.articles.find(due, projection={"_id": 1}).sort("next_check", ASCENDING)
        claimed = []
        try:
            while limit is None or len(claimed) < limit:
                wanted = LOOKUP_BATCH_SIZE if limit is None else min(LOOKUP_BATCH_SIZE, limit - len(claimed))
                batch = [candidate["_id"] for candidate in itertools.islice(candidates, wanted)]
                if not batch:
                    break
                claimed += self._claim_batch(due, batch, now, lease, token)
        finally:
            candidates.close()
        return claimed

    def _claim_batch(self, due: dict, article_ids: list[str], now, lease: timedelta, token: str) -> list[dict]:
        # an unleased article has no lease_until; {"$not": {"$gt"}} matches it too
        self.db.articles.update_many(
            {**due, "_id": {"$in": article_ids}, "lease_until": {"$not": {"$gt": now}}},
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
        """Change records, newest first, without their paragraph ops (served by the detected_at indexes)."""
        query = {}
        if article_id:
            query["article_id"] = article_id
        if source:
            query["source"] = source
        if substantive_only:
            query["classification.substantive"] = True
        if since is not None:
            query["detected_at"] = {"$gte": since}
        found = self.db.changes.find(query, projection={"paragraphs": 0}).sort("detected_at", DESCENDING)
        return list(found.skip(skip).limit(limit))

    def sources(self) -> list[str]:
        return sorted(self.db.articles.distinct("source"))


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
