"""Time buckets in the company time zone, as UTC epoch intervals.

A local day is [local midnight, next local midnight): 23 or 25 hours on a
daylight-saving change. An hour-of-day bucket is a local clock hour. SQL
aggregates join rows to these intervals, so no bucketing happens in UTC.
"""

from __future__ import annotations

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
