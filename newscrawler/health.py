"""Extraction health: how many checks of a source found a page they could not read.

A check counts as failed extraction when a page came back but gave no article:
an unknown layout, no article text, an error in extraction. (Fetch failures,
timeouts and 5xx answers, are the network's, not extraction's.) The revision
pipeline counts every check per source and hour (`check_counts`); a crawl in
which a source's failure share jumps warns in the log, since that is what a
layout change at the outlet looks like.
"""
from collections import Counter
from dataclasses import dataclass, field

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
