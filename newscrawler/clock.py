"""The crawl's clock: real UTC time, or a fixed time for tests and replays.

`-s NEWSCRAWLER_NOW=2026-01-01T00:30:00+00:00` makes a whole crawl run at that
moment, so tests can drive the re-check schedule without sleeping.
"""
from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def clock_from_settings(settings) -> Clock:
    fixed = settings.get("NEWSCRAWLER_NOW")
    if not fixed:
        return utc_now
    moment = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return lambda: moment
