"""The alert settings, and what a change record carries for alerts from its insert.

Light on purpose: the revision pipeline imports this module, not the senders.
"""
from dataclasses import dataclass
from datetime import timedelta

from newscrawler.changewords import diff_text
from newscrawler.clock import Clock, clock_from_settings, utc_now
from newscrawler.storage import ALERT_PENDING

DEFAULT_WEB_BASE_URL = "http://127.0.0.1:8080"
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class AlertSettings:
    """The NEWSCRAWLER_ALERTS_* settings, read here only."""

    enabled: bool = True
    subscriptions: tuple = ()  # NEWSCRAWLER_ALERTS: more subscriptions, besides the collection's
    base_url: str = DEFAULT_WEB_BASE_URL
    timeout: float = 10.0
    flush_seconds: float = 30.0
    interval: float = 10.0
    crawl_share: float = 0.05  # of the crawl's time that delivery may take while pages are crawled
    retry_seconds: float = 30.0
    max_attempts: int = 8
    failing_after: int = 3
    burst_minutes: float = 0.0
    clock: Clock = utc_now

    @classmethod
    def from_settings(cls, settings) -> "AlertSettings":
        entries = settings.get("NEWSCRAWLER_ALERTS") or ()
        return cls(
            enabled=settings.getbool("NEWSCRAWLER_ALERTS_ENABLED", True),
            subscriptions=tuple([entries] if isinstance(entries, str) else entries),
            base_url=settings.get("NEWSCRAWLER_WEB_BASE_URL") or DEFAULT_WEB_BASE_URL,
            timeout=settings.getfloat("NEWSCRAWLER_ALERTS_TIMEOUT_SECONDS", cls.timeout),
            flush_seconds=settings.getfloat("NEWSCRAWLER_ALERTS_FLUSH_SECONDS", cls.flush_seconds),
            interval=settings.getfloat("NEWSCRAWLER_ALERTS_INTERVAL_SECONDS", cls.interval),
            crawl_share=min(1.0, max(0.01, settings.getfloat("NEWSCRAWLER_ALERTS_CRAWL_SHARE", cls.crawl_share))),
            retry_seconds=settings.getfloat("NEWSCRAWLER_ALERTS_RETRY_SECONDS", cls.retry_seconds),
            max_attempts=settings.getint("NEWSCRAWLER_ALERTS_MAX_ATTEMPTS", cls.max_attempts),
            failing_after=settings.getint("NEWSCRAWLER_ALERTS_FAILING_AFTER", cls.failing_after),
            burst_minutes=settings.getfloat("NEWSCRAWLER_ALERTS_BURST_MINUTES", cls.burst_minutes),
            clock=clock_from_settings(settings),
        )

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt."""
        return min(timedelta(seconds=self.retry_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def change_document(change: dict, alerting: bool) -> dict:
    """A change record as stored: with its diff text (for feeds and alerts,
    computed once here) and, when alerts are on, the outbox mark."""
    document = {**change, "diff_text": diff_text(change)}
    if alerting:
        document["alerts"] = ALERT_PENDING
    return document
