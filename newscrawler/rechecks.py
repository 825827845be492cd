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
from datetime import timedelta

from newscrawler.storage import RevisionStore

logger = logging.getLogger(__name__)

DUE, ALL, NONE = "due", "all", "none"


class Rechecks:
    DEFAULT_MAX_PER_RUN = 500
    DEFAULT_LEASE_MINUTES = 15

    def __init__(self, store: RevisionStore, limit: int, lease: timedelta):
        self.store = store
        self.limit = limit
        self.lease = lease

    @classmethod
    def from_settings(cls, settings, store: RevisionStore) -> "Rechecks":
        return cls(
            store,
            limit=settings.getint("NEWSCRAWLER_RECHECK_MAX_PER_RUN", cls.DEFAULT_MAX_PER_RUN),
            lease=timedelta(minutes=settings.getfloat("NEWSCRAWLER_RECHECK_LEASE_MINUTES",
                                                      cls.DEFAULT_LEASE_MINUTES)),
        )

    def claim(self, source: str, now, mode: str) -> list[dict]:
        if mode == NONE:
            return []
        everything = mode == ALL
        claimed = self.store.claim_due(source, now, self.lease, None if everything else self.limit, everything)
        logger.info("Claimed %d %s article(s) of %s to check again (%s)", len(claimed), mode, source,
                    "every active one" if mode == ALL else f"at most {self.limit} a run")
        return claimed

    def release(self, claimed: list[dict]) -> None:
        """Give up the leases of claimed articles this crawl will not fetch again."""
        self.store.release_leases(claimed)

    def known_pages(self, article_ids: list[str]) -> dict[str, dict]:
        """Validators and page hash of those of these articles that are tracked, by id."""
        return self.store.known_pages(article_ids) if article_ids else {}
