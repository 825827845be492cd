"""The date forms of Washington Post pages before JSON-LD (2013-2016).

From 2017 the pages publish schema.org `datePublished` and `dateModified`,
which the Layout defaults read. Earlier pages say when they were published
in their own ways: milliseconds since the epoch (2013), a CMS time stamp
with a US zone abbreviation (2013), or a local time shown to the reader,
"September 5 at 7:12 PM", which is Washington time (2014-2016).
"""
import re
from datetime import datetime, timedelta, timezone

_ZONE_OFFSETS = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "UTC": 0, "GMT": 0}
# "Sun Jan 19 17:13:55 EST 2014", as Java's Date.toString() writes it
_ZONED_STAMP = re.compile(r"^\w{3} (\w{3} +\d{1,2} \d{2}:\d{2}:\d{2}) ([A-Z]{3}) (\d{4})$")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# "September 5 at 7:12 PM", "Dec. 23, 2015 at 12:34 p.m."
_SHOWN_TIME = re.compile(
    r"\b([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?,? at (\d{1,2}):(\d{2}) ?([AaPp])\.? ?[Mm]\b")


def parse_epoch_milliseconds(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_zoned_stamp(value) -> datetime | None:
    """UTC time of a "Sun Jan 19 17:13:55 EST 2014" stamp, or None."""
    found = _ZONED_STAMP.match((value or "").strip())
    if not found or found.group(2) not in _ZONE_OFFSETS:
        return None
    moment, zone, year = found.groups()
    try:
        local = datetime.strptime(f"{moment} {year}", "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return (local - timedelta(hours=_ZONE_OFFSETS[zone])).replace(tzinfo=timezone.utc)


def parse_shown_time(text: str, year: int | None) -> datetime | None:
    """UTC time of a Washington time shown to readers, such as "September 5 at
    7:12 PM"; year is the one to assume when the text gives none. None when
    the text shows no month, day and time."""
    found = _SHOWN_TIME.search(text or "")
    if not found:
        return None
    month_name, day, shown_year, hour, minute, half = found.groups()
    month = _MONTHS.get(month_name.lower())
    year = int(shown_year) if shown_year else year
    if month is None or year is None or not 1 <= int(hour) <= 12:
        return None
    hour = int(hour) % 12 + (12 if half in "Pp" else 0)
    try:
        return washington_time_to_utc(datetime(year, month, int(day), hour, int(minute)))
    except ValueError:
        return None


def washington_time_to_utc(local: datetime) -> datetime:
    """A naive US Eastern time as UTC, by the daylight saving rules in force
    since 2007 (second Sunday of March to first Sunday of November, at 2:00)."""
    summer_starts = _nth_sunday(local.year, 3, 2).replace(hour=2)
    summer_ends = _nth_sunday(local.year, 11, 1).replace(hour=2)
    offset = -4 if summer_starts <= local < summer_ends else -5
    return (local - timedelta(hours=offset)).replace(tzinfo=timezone.utc)


def _nth_sunday(year: int, month: int, n: int) -> datetime:
    first = datetime(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
