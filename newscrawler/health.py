"""Extraction health: how many checks of a source found a page they could not read.

A check counts as failed extraction when a page came back but gave no article:
an unknown layout, no article text, an error in extraction. (Fetch failures,
timeouts and 5xx answers, are the network's, not extraction's.) The revision
pipeline counts every check per source and hour (`check_counts`); a crawl in
which a source's failure share jumps warns in the log, since that is what a
layout change at the outlet looks like.
"""
import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newscrawler.items import FAILED

logger = logging.getLogger(__name__)

# The failed checks that are failed extractions: a page was fetched but not
# understood (its capture is kept, see pipelines.captures).
EXTRACTION_FAILURES = frozenset({"unknown_layout", "no_article_text", "extraction_error"})

# A crawl's failure share that is this much above the day before, with at
# least this many failures, is a jump.
JUMP_SHARE = 0.2
JUMP_MIN_FAILURES = 3
EXAMPLES_PER_REASON = 3


@dataclass
class Tally:
    """Checks of one source, and those whose extraction failed, by reason."""
    checks: int = 0
    failed: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> a few URLs

    @property
    def share(self) -> float:
        return self.failed / self.checks if self.checks else 0.0

    def add(self, reason: str | None, url: str | None = None) -> None:
        self.checks += 1
        if reason:
            self.failed += 1
            self.reasons[reason] += 1
            examples = self.examples.setdefault(reason, [])
            if url and url not in examples and len(examples) < EXAMPLES_PER_REASON:
                examples.append(url)

    def minus(self, other: "Tally") -> "Tally":
        return Tally(max(0, self.checks - other.checks), max(0, self.failed - other.failed),
                     self.reasons - other.reasons)

    @classmethod
    def of_counts(cls, counts: list[dict]) -> "Tally":
        """The sum of `check_counts` documents."""
        tally = cls()
        for hour in counts:
            tally.checks += hour.get("checks", 0)
            tally.failed += hour.get("extraction_failed", 0)
            tally.reasons.update(hour.get("reasons") or {})
        return tally

    def top_reasons(self) -> list[tuple[str, int]]:
        return self.reasons.most_common()


def failure_jumped(crawl: Tally, before: Tally) -> bool:
    """Whether a crawl's failure share is a jump from the share before it."""
    return crawl.failed >= JUMP_MIN_FAILURES and crawl.share - before.share >= JUMP_SHARE


class HealthWatch:
    """The revision pipeline's count of every check, and its warning at the end of a crawl."""

    def __init__(self, store, count):
        self.store = store
        self.count_stat = count
        self.crawl: dict[str, Tally] = defaultdict(Tally)  # this crawl's checks, by source
        self.lock = threading.Lock()

    def count(self, checked) -> None:
        """Count a check (an item, through its adapter), sent with the next batch of check records."""
        if checked.get("from_capture"):  # a stored page read again: no check
            return
        reason = checked.get("reason") if checked.get("outcome") == FAILED else None
        reason = reason if reason in EXTRACTION_FAILURES else None
        self.store.count_check(checked["source"], checked["fetched_at"], reason)
        with self.lock:
            self.crawl[checked["source"]].add(reason, checked["url"])

    def warn_of_jumps(self, now: datetime) -> None:
        """Warn of each source whose failure share in this crawl jumped from the 24 hours before."""
        if not any(tally.failed for tally in self.crawl.values()):
            return
        self.store.flush_checks()
        for source, crawl in self.crawl.items():
            if not crawl.failed:
                continue
            before = Tally.of_counts(self.store.check_counts(now - timedelta(hours=24), source)).minus(crawl)
            if failure_jumped(crawl, before):
                self.count_stat(f"newscrawler/health/failure_jump/{source}")
                reasons = "; ".join(f"{reason} {count} (e.g. {', '.join(crawl.examples.get(reason, [])[:1])})"
                                    for reason, count in crawl.top_reasons())
                logger.warning("Extraction failures at %s jumped: %.0f%% of %d checks in this crawl, %.0f%% of %d "
                               "in the 24 hours before: %s. Has the outlet's layout changed? (newscrawler health)",
                               source, 100 * crawl.share, crawl.checks, 100 * before.share, before.checks, reasons)
