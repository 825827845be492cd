"""Which tracked articles a crawl checks again: those due, claimed with a lease.

A crawl claims up to NEWSCRAWLER_RECHECK_MAX_PER_RUN due articles of its
source, oldest due first, each with a lease of NEWSCRAWLER_RECHECK_LEASE_MINUTES
so that crawls on several nodes never fetch the same article in one period.
Every source has its own bound, so one source's backlog cannot starve another.
`-a recheck=all` claims every active article, with no bound.
"""
import logging
from datetime import timedelta

from newscrawler.storage import RevisionStore, mongo_location

logger = logging.getLogger(__name__)

DUE, ALL, NONE = "due", "all", "none"


class Rechecks:
    def __init__(self, locate_database, limit: int, lease: timedelta, timeout_ms: int):
        self.locate_database = locate_database
        self.limit = limit
        self.lease = lease
        self.timeout_ms = timeout_ms

    @classmethod
    def from_settings(cls, settings) -> "Rechecks":
        return cls(
            locate_database=lambda: mongo_location(settings),
            limit=settings.getint("NEWSCRAWLER_RECHECK_MAX_PER_RUN", 500),
            lease=timedelta(minutes=settings.getfloat("NEWSCRAWLER_RECHECK_LEASE_MINUTES", 15)),
            timeout_ms=settings.getint("MONGO_TIMEOUT_MS", 5000),
        )

    def claim(self, source: str, now, mode: str) -> list[dict]:
        if mode == NONE:
            return []
        uri, database = self.locate_database()
        store = RevisionStore(uri, database, timeout_ms=self.timeout_ms)
        store.open()
        try:
            everything = mode == ALL
            claimed = store.claim_due(source, now, self.lease, None if everything else self.limit, everything)
        finally:
            store.close()
        logger.info("Claimed %d %s article(s) of %s to check again (%s)", len(claimed), mode, source,
                    "every active one" if mode == ALL else f"at most {self.limit} a run")
        return claimed
