"""MongoDB storage of articles, revisions and change records.

This is the only module that talks to pymongo. The collections, fields and
indexes made here are a public interface (see README.md, "Data in MongoDB"):

- `articles`: one document per tracked article, `_id` = article id (canonical URL).
- `revisions`: one document per stored version, unique on (article_id, version).
- `changes`: one document per new version from the second on, unique on
  (article_id, to_version).

The unique indexes are what keeps two crawls at once from writing the same
version twice: an insert that loses the race raises `VersionTaken`, and the
caller re-reads the latest revision and decides again.
"""
import logging
from pathlib import Path

from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from newscrawler.embedded import default_data_dir, ensure_embedded_server

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = "newscrawler"
DEFAULT_EMBEDDED_PORT = 27217

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
    "articles": [
        ([("source", ASCENDING), ("last_changed", DESCENDING)], {"name": "source_last_changed"}),
        ([("last_changed", DESCENDING)], {"name": "last_changed"}),
    ],
}

LATEST_REVISION_FIELDS = {"_id": 0, "version": 1, "content_hash": 1, "headline": 1}


class StorageUnavailable(RuntimeError):
    """The database could not be reached or refused an operation."""


class VersionTaken(Exception):
    """Another writer stored this version of the article first."""


def mongo_location(settings) -> tuple[str, str]:
    """(uri, database) from the crawler or project settings.

    With no MONGO_URI configured, the embedded local server under the project
    data folder is started or reused.
    """
    database = settings.get("MONGO_DATABASE") or DEFAULT_DATABASE
    uri = settings.get("MONGO_URI")
    if uri:
        return uri, database
    data_dir = settings.get("NEWSCRAWLER_DATA_DIR")
    data_dir = Path(data_dir) if data_dir else default_data_dir(settings.get("NEWSCRAWLER_PROJECT_DIR"))
    port = settings.getint("NEWSCRAWLER_EMBEDDED_PORT", DEFAULT_EMBEDDED_PORT)
    return ensure_embedded_server(data_dir, port), database


class RevisionStore:
    def __init__(self, uri: str, database: str = DEFAULT_DATABASE, timeout_ms: int = 5000):
        self.uri = uri
        self.database_name = database
        self.timeout_ms = timeout_ms
        self.client = None
        self.db = None

    def open(self) -> None:
        """Connect, check the server answers, and make the indexes."""
        self.client = MongoClient(
            self.uri, serverSelectionTimeoutMS=self.timeout_ms, tz_aware=True,
            connectTimeoutMS=self.timeout_ms,
        )
        try:
            self.client.admin.command("ping")
            self.db = self.client[self.database_name]
            self.ensure_indexes()
        except PyMongoError as error:
            self.close()
            raise StorageUnavailable(f"cannot use MongoDB at {self.uri}: {error}") from error

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client = None

    def ensure_indexes(self) -> None:
        for collection, indexes in INDEXES.items():
            for keys, options in indexes:
                self.db[collection].create_index(keys, **options)

    # Reading

    def latest_revision(self, article_id: str, with_body: bool = False) -> dict | None:
        projection = None if with_body else LATEST_REVISION_FIELDS
        return self.db.revisions.find_one(
            {"article_id": article_id}, projection=projection, sort=[("version", DESCENDING)]
        )

    def revision(self, article_id: str, version: int) -> dict | None:
        return self.db.revisions.find_one({"article_id": article_id, "version": version})

    def revisions(self, article_id: str) -> list[dict]:
        return list(self.db.revisions.find({"article_id": article_id}).sort("version", ASCENDING))

    def changes(self, article_id: str) -> list[dict]:
        return list(self.db.changes.find({"article_id": article_id}).sort("to_version", ASCENDING))

    def recent_changes(self, limit: int = 50, source: str | None = None) -> list[dict]:
        query = {"source": source} if source else {}
        return list(self.db.changes.find(query).sort("detected_at", DESCENDING).limit(limit))

    def article(self, article_id: str) -> dict | None:
        return self.db.articles.find_one({"_id": article_id})

    # Writing

    def add_revision(self, revision: dict) -> None:
        """Insert a revision; raises VersionTaken if its version exists already."""
        try:
            self.db.revisions.insert_one(dict(revision))
        except DuplicateKeyError as error:
            raise VersionTaken(f"{revision['article_id']} version {revision['version']}") from error

    def add_change(self, change: dict) -> None:
        """Store a change record; storing the same one again changes nothing."""
        key = {"article_id": change["article_id"], "to_version": change["to_version"]}
        self.db.changes.update_one(key, {"$setOnInsert": change}, upsert=True)

    def record_revision(self, revision: dict) -> None:
        """Bring the article's summary up to date with a newly stored revision."""
        article_id, version = revision["article_id"], revision["version"]
        self.db.articles.update_one(
            {"_id": article_id},
            {
                "$setOnInsert": {"first_seen": revision["fetched_at"], "url": revision["url"],
                                 "source": revision["source"]},
                "$max": {"version": version, "last_checked": revision["fetched_at"]},
                "$inc": {"checks": 1},
            },
            upsert=True,
        )
        # Only the newest revision may set the summary: a slower concurrent
        # writer of an older version must not overwrite it.
        self.db.articles.update_one(
            {"_id": article_id, "version": version},
            {"$set": {"headline": revision["headline"], "content_hash": revision["content_hash"],
                      "last_changed": revision["fetched_at"], "changes": version - 1}},
        )

    def record_unchanged_check(self, article_id: str, checked_at) -> dict | None:
        return self.db.articles.find_one_and_update(
            {"_id": article_id},
            {"$max": {"last_checked": checked_at}, "$inc": {"checks": 1}},
            return_document=ReturnDocument.AFTER,
        )
