"""Date-range rules shared by the server's filters and the console's presets.

A bare date is read in the company time zone; `until` given as a date is
inclusive (the whole day). Ranges are returned as half-open UTC epoch
intervals [start, end).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRESETS: tuple[str, ...] = (
    "today",
    "yesterday",
    "last 7 days",
    "last 30 days",
    "this month",
    "all",
)


# The dates a filter may name: beyond them the arithmetic of a range (the
# end of a local day, a time zone's offset, a report's buckets) would leave
# what Python's datetime can hold (year 1 to 9999) and fail.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(8999, 12, 31)
OUT_OF_RANGE = f"must be between {MIN_DATE} and {MAX_DATE}"


def in_range(value: date | datetime) -> bool:
    """Whether a date, or a datetime's date as written, is within
    [MIN_DATE, MAX_DATE] (checked before any conversion, which could overflow)."""
    day = value.date() if isinstance(value, datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def parse_when(value: str) -> date | datetime:
    """A date (YYYY-MM-DD) or an ISO datetime; raises ValueError otherwise."""
    value = value.strip()
    if len(value) == 10:
        return date.fromisoformat(value)
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt


def local_midnight(d: date, tz: ZoneInfo) -> datetime:
    """The first instant of day `d` in `tz` (DST-safe: midnight may not exist)."""
    naive = datetime.combine(d, time(0))
    aware = naive.replace(tzinfo=tz)
    # A gap at midnight (rare: some zones change at 00:00) resolves forward.
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        aware = back
    return aware


def bound(value: date | datetime | None, tz: ZoneInfo, *, upper: bool) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.timestamp()
    if upper:
        value = value + timedelta(days=1)
    return local_midnight(value, tz).timestamp()


def resolve(
    since: date | datetime | None, until: date | datetime | None, tz: ZoneInfo
) -> tuple[float | None, float | None]:
    return bound(since, tz, upper=False), bound(until, tz, upper=True)


def preset(name: str, tz: ZoneInfo, now: datetime | None = None) -> tuple[date | None, date | None]:
    """(since, until) dates for a named preset, in the company time zone."""
    today = (now or datetime.now(tz)).astimezone(tz).date()
    if name == "today":
        return today, today
    if name == "yesterday":
        y = today - timedelta(days=1)
        return y, y
    if name == "last 7 days":
        return today - timedelta(days=6), today
    if name == "last 30 days":
        return today - timedelta(days=29), today
    if name == "this month":
        return today.replace(day=1), today
    if name == "all":
        return None, None
    raise ValueError(f"unknown preset {name!r}")
