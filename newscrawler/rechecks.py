"""What a crawl knows of the articles it tracks, read before fetching them.

- Which articles to check again: a crawl claims up to
  NEWSCRAWLER_RECHECK_MAX_PER_RUN due articles of its source, oldest due first,
  each with a lease of NEWSCRAWLER_RECHECK_LEASE_MINUTES so that crawls on
  several nodes never fetch the same article in one period. Every source has
  its own bound, so one source's backlog cannot starve another. `-a
  recheck=all` claims every active article, with no bound.
- What the last check learnt of a page (`known_pages`): validators for a
  conditional GET and the hash of the page the latest version came from.
"""
import logging
import threading
from datetime import timedelta

from newscrawler.embedded import EmbeddedServerError
from newscrawler.storage import RevisionStore, StorageUnavailable, mongo_location

logger = logging.getLogger(__name__)

DUE, ALL, NONE = "due", "all", "none"


class Rechecks:
    def __init__(self, locate_database, limit: int, lease: timedelta, timeout_ms: int):
        self.locate_database = locate_database
        self.limit = limit
        self.lease = lease
        self.timeout_ms = timeout_ms
        self._store: RevisionStore | None = None
        self._opening = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "Rechecks":
        return cls(
            locate_database=lambda: mongo_location(settings),
            limit=settings.getint("NEWSCRAWLER_RECHECK_MAX_PER_RUN", 500),
            lease=timedelta(minutes=settings.getfloat("NEWSCRAWLER_RECHECK_LEASE_MINUTES", 15)),
            timeout_ms=settings.getint("MONGO_TIMEOUT_MS", 5000),
        )

    def store(self) -> RevisionStore:
        """The database, opened on first use (called from worker threads)."""
        with self._opening:
            if self._store is None:
                try:
                    uri, database = self.locate_database()
                except EmbeddedServerError as error:
                    raise StorageUnavailable(str(error)) from error
                store = RevisionStore(uri, database, timeout_ms=self.timeout_ms)
                store.open()
                self._store = store
            return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def claim(self, source: str, now, mode: str) -> list[dict]:
        if mode == NONE:
            return []
        everything = mode == ALL
        claimed = self.store().claim_due(source, now, self.lease, None if everything else self.limit, everything)
        logger.info("Claimed %d %s article(s) of %s to check again (%s)", len(claimed), mode, source,
                    "every active one" if mode == ALL else f"at most {self.limit} a run")
        return claimed

    def release(self, claimed: list[dict]) -> None:
        """Give up the leases of claimed articles this crawl will not fetch again."""
        self.store().release_leases(claimed)

    def known_pages(self, article_ids: list[str]) -> dict[str, dict]:
        """Validators and page hash of those of these articles that are tracked, by id."""
        return self.store().known_pages(article_ids) if article_ids else {}
