"""When an article is checked again, and when it stops being checked.

Pure: the current time is always passed in. The default follows News
Sniffer: start at 30 minutes, multiply by 1.2 after each unchanged check or
failed fetch, go back to 30 minutes after a change, and stop once the
interval passes 40 days ("it will not be checked again for changes").
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

ACTIVE, STOPPED, GONE, MOVED = "active", "stopped", "gone", "moved"
STATUSES = (ACTIVE, STOPPED, GONE, MOVED)

STATUS_REASONS = {
    STOPPED: "it will not be checked again for changes",
    GONE: "the page was removed",
    MOVED: "the page moved to another address",
}


@dataclass(frozen=True)
class Tracking:
    """An article's tracking state after a check."""

    status: str
    interval: timedelta
    next_check: datetime | None
    status_reason: str | None = None

    def as_fields(self) -> dict:
        return {"status": self.status, "status_reason": self.status_reason,
                "interval_seconds": self.interval.total_seconds(), "next_check": self.next_check}


@dataclass(frozen=True)
class Schedule:
    initial: timedelta = timedelta(minutes=30)
    backoff: float = 1.2
    stop_after: timedelta = timedelta(days=40)

    @classmethod
    def from_settings(cls, settings) -> "Schedule":
        """The schedule of NEWSCRAWLER_RECHECK_INITIAL_MINUTES, _BACKOFF and
        _STOP_DAYS; this class's defaults where they are not set."""
        return cls(
            initial=timedelta(minutes=settings.getfloat("NEWSCRAWLER_RECHECK_INITIAL_MINUTES",
                                                        cls.initial / timedelta(minutes=1))),
            backoff=settings.getfloat("NEWSCRAWLER_RECHECK_BACKOFF", cls.backoff),
            stop_after=timedelta(days=settings.getfloat("NEWSCRAWLER_RECHECK_STOP_DAYS",
                                                        cls.stop_after / timedelta(days=1))),
        )

    def after_change(self, now: datetime) -> Tracking:
        """A new or changed article: check again soon."""
        return Tracking(ACTIVE, self.initial, now + self.initial)

    def after_quiet_check(self, interval: timedelta | None, now: datetime) -> Tracking:
        """Unchanged, not modified, or a failed fetch: back off, and stop past the bound."""
        longer = (interval or self.initial) * self.backoff
        if longer > self.stop_after:
            return Tracking(STOPPED, longer, None, STATUS_REASONS[STOPPED])
        return Tracking(ACTIVE, longer, now + longer)

    def after_removal(self, interval: timedelta | None, status: str, reason: str) -> Tracking:
        """Gone or moved: never checked again."""
        return Tracking(status, interval or self.initial, None, reason)
