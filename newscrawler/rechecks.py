"""What a crawl knows of the articles it tracks, read before fetching them.

- Which articles to check again: a crawl claims up to
  NEWSCRAWLER_RECHECK_MAX_PER_RUN due articles of its source, oldest due first,
  each with a lease of NEWSCRAWLER_RECHECK_LEASE_MINUTES so that crawls on
  several nodes never fetch the same article in one period. Every source has
  its own bound, so one source's backlog cannot starve another. `-a
  recheck=all` claims every active article, with no bound.
- What the last check learnt of a page (`known_pages`): validators for a
  conditional GET and the hash of the page the latest version came from.
- With NEWSCRAWLER_CLAIM_FEED_ENTRIES (for nodes that read the same feeds at
  once), which feed entries to fetch: each article is claimed before it is
  fetched, so that one crawl of a period fetches it and the others leave it
  (RevisionStore.claim_pages). Off by default: a claim costs a write per
  feed entry, which a single crawler does not need.

All the claims of one crawl carry one token, so that an article it claimed
as due and also finds in a feed is fetched once, under that claim; and no
claim takes an article checked since the crawl began (by another crawl of
the same period, or by this one from a feed).
"""
import logging
from datetime import timedelta

from newscrawler.clock import Clock, utc_now
from newscrawler.storage import RevisionStore, new_claim_token

logger = logging.getLogger(__name__)

DUE, ALL, NONE = "due", "all", "none"


class Rechecks:
    DEFAULT_MAX_PER_RUN = 500
    DEFAULT_LEASE_MINUTES = 15

    def __init__(self, store: RevisionStore, limit: int, lease: timedelta, claims_feed_entries: bool = False,
                 clock: Clock = utc_now):
        self.store = store
        self.limit = limit
        self.lease = lease
        self.claims_feed_entries = claims_feed_entries
        self.clock = clock
        self.started = clock()  # the crawl's start: an article checked since, another crawl of this period checked
        self.token = new_claim_token()

    @classmethod
    def from_settings(cls, settings, store: RevisionStore, clock: Clock = utc_now) -> "Rechecks":
        return cls(
            store,
            limit=settings.getint("NEWSCRAWLER_RECHECK_MAX_PER_RUN", cls.DEFAULT_MAX_PER_RUN),
            lease=timedelta(minutes=settings.getfloat("NEWSCRAWLER_RECHECK_LEASE_MINUTES",
                                                      cls.DEFAULT_LEASE_MINUTES)),
            claims_feed_entries=settings.getbool("NEWSCRAWLER_CLAIM_FEED_ENTRIES"),
            clock=clock,
        )

    def claim(self, source: str, now, mode: str) -> list[dict]:
        """The due articles this crawl is to check again (see the module docstring)."""
        if self.claims_feed_entries or mode != NONE:
            self.store.open()  # open already when the revision pipeline runs; a crawl without it opens it here
        if self.claims_feed_entries:  # once a crawl, before its first feed entry is claimed
            self.store.drop_expired_first_fetches(now)
        if mode == NONE:
            return []
        everything = mode == ALL
        claimed = self.store.claim_due(source, now, self.lease, None if everything else self.limit, everything,
                                       token=self.token, since=self.started)
        logger.info("Claimed %d %s article(s) of %s to check again (%s)", len(claimed), mode, source,
                    "every active one" if mode == ALL else f"at most {self.limit} a run")
        return claimed

    def known_pages(self, article_ids: list[str]) -> dict[str, dict | None]:
        """Validators and page hash of those of these articles that are tracked, by id.

        When feed entries are claimed: only the articles this crawl is to
        fetch, an untracked one with None; the others are another crawl's."""
        if not article_ids:
            return {}
        self.store.open()
        if self.claims_feed_entries:
            return self.store.claim_pages(article_ids, self.clock(), self.started, self.lease, self.token)
        return self.store.known_pages(article_ids)
