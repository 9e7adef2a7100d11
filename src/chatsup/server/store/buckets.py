"""Time buckets in the company time zone, as UTC epoch intervals.

A local day is [local midnight, next local midnight): 23 or 25 hours on a
daylight-saving change. An hour-of-day bucket is a local clock hour. SQL
aggregates join rows to these intervals, so no bucketing happens in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chatsup.domain.timerange import local_midnight

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Bucket:
    label: str
    start: float
    end: float


def days(first: date, last: date, tz: ZoneInfo) -> list[Bucket]:
    out: list[Bucket] = []
    d = first
    start = local_midnight(d, tz).timestamp()
    while d <= last:
        nxt = d + timedelta(days=1)
        end = local_midnight(nxt, tz).timestamp()
        out.append(Bucket(d.isoformat(), start, end))
        d, start = nxt, end
    return out


def months(first: date, last: date, tz: ZoneInfo) -> list[Bucket]:
    out: list[Bucket] = []
    m = first.replace(day=1)
    while m <= last:
        nxt = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append(
            Bucket(
                m.strftime("%Y-%m"),
                local_midnight(m, tz).timestamp(),
                local_midnight(nxt, tz).timestamp(),
            )
        )
        m = nxt
    return out


def local_hours(first: date, last: date, tz: ZoneInfo) -> Iterator[tuple[date, int, float, float]]:
    """Every local clock hour of the days: (day, hour, start, end). On the day
    clocks go back, the repeated hour's two intervals both carry its number;
    on the day they go forward, the missing hour has no interval."""
    for day in days(first, last, tz):
        t = day.start
        while t < day.end:
            local = datetime.fromtimestamp(t, tz)
            # the next wall-clock hour boundary, found in UTC (steps over DST gaps)
            end = min(day.end, t + 3600 - (local.minute * 60 + local.second))
            yield date.fromisoformat(day.label), local.hour, t, end
            t = end


def clip(buckets: list[Bucket], since: float | None, until: float | None) -> list[Bucket]:
    """The buckets cut to [since, until): a range given as datetimes covers
    part of its first and last day (or month), never the whole of them.
    Buckets left empty by the cut are dropped."""
    lo = -math.inf if since is None else since
    hi = math.inf if until is None else until
    out = [Bucket(b.label, max(b.start, lo), min(b.end, hi)) for b in buckets]
    return [b for b in out if b.start < b.end] or out[:1]


def edge(value: float | None, bucket: Bucket, at_start: bool, tz: ZoneInfo) -> str:
    """How a report echoes one end of its range: the bucket's label (a date,
    a month) when the range covers the whole bucket; a date when the end is
    a local midnight (`until` inclusive, as given); else the exact instant."""
    if value is None or value == (bucket.start if at_start else bucket.end):
        return bucket.label
    local = datetime.fromtimestamp(value, tz)
    day = local.date()
    if local_midnight(day, tz).timestamp() == value:
        return (day if at_start else day - timedelta(days=1)).isoformat()
    return local.isoformat()


def local_date(ts: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts, tz).date()


def span(
    since: float | None, until: float | None, tz: ZoneInfo, default_days: int, now: float
) -> tuple[date, date]:
    """The local dates a report covers (until is exclusive as an instant)."""
    last = local_date((until if until is not None else now) - 1e-6, tz)
    first = local_date(since, tz) if since is not None else last - timedelta(days=default_days - 1)
    if first > last:
        first = last
    return first, last
