"""Figures of past time buckets, kept in memory between report requests.

Only for sources whose rows are stamped with the time they were written and
not changed afterwards in a way a metric reads (page views, sessions, agent
messages' response times; conversations once ended — a bucket holding an
open conversation is not kept): a bucket that has ended does not change
when new rows arrive "now". Each entry remembers the highest row id
it had seen; it is used again only if every row added since has a time at
or after the bucket's end — so rows written into the past (the demo seeder,
a test's clock) make it recompute, never serve a stale figure."""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from chatsup.server.store.tx import Rx

# source → (table, time column): the sources whose ended buckets are cached
CACHEABLE: dict[str, tuple[str, str]] = {
    "page_views": ("page_views", "at"),
    "sessions": ("sessions", "started_at"),
    "agent_messages": ("messages", "at"),
    "conversations": ("conversations", "started_at"),
}
# Rows that may still change, by source: a bucket holding one is not kept.
# (A conversation changes until it ends; an ended one never does.)
STILL_CHANGING: dict[str, str] = {
    "conversations": "SELECT started_at FROM conversations WHERE ended_at IS NULL",
}
MAX_ENTRIES = 200_000

Key = tuple[Any, ...]


class BucketCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Key, tuple[tuple[Any, ...], int]] = OrderedDict()
        self._ranges: OrderedDict[Key, tuple[Any, tuple[int, ...]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    @staticmethod
    def changing_times(rx: Rx, source: str) -> list[float]:
        """When the rows that may still change were stamped (sorted)."""
        sql = STILL_CHANGING.get(source)
        return sorted(t for (t,) in rx.execute(sql)) if sql else []

    @staticmethod
    def high_water(rx: Rx, source: str) -> int:
        table, _ = CACHEABLE[source]
        return rx.dialect.cache_mark(rx, table)

    def get(
        self, rx: Rx, source: str, key: Key, end: float, newest: dict[int, float | None]
    ) -> tuple[Any, ...] | None:
        """The cached values, if still true. `newest` memoises, per high-water
        mark, the earliest time among rows added since (one query each)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            self.misses += 1
            return None
        values, mark = entry
        if mark not in newest:
            table, col = CACHEABLE[source]
            newest[mark] = rx.dialect.earliest_since(rx, table, col, mark)
        earliest = newest[mark]
        if earliest is not None and earliest < end:
            self.misses += 1
            return None
        self.hits += 1
        return values

    def put(self, key: Key, values: tuple[Any, ...], mark: int) -> None:
        with self._lock:
            self._entries[key] = (values, mark)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def over_range(
        self,
        rx: Rx,
        key: Key,
        sources: tuple[str, ...],
        start: float,
        end: float,
        compute: Callable[[], Any],
    ) -> Any:
        """A whole-range figure (a breakdown, per-advisor statistics) under the
        same rule as a bucket: kept once the range has ended, for as long as
        nothing lands in it and none of its rows may still change."""
        if end > time.time():
            return compute()
        marks = tuple(self.high_water(rx, s) for s in sources)
        full = ("range", *key, start, end)
        with self._lock:
            entry = self._ranges.get(full)
        if entry is not None:
            value, old_marks = entry
            if all(self._untouched(rx, s, m, end) for s, m in zip(sources, old_marks, strict=True)):
                self.hits += 1
                return value
        self.misses += 1
        value = compute()
        for s in sources:
            changing = self.changing_times(rx, s)
            i = bisect.bisect_left(changing, start)
            if i < len(changing) and changing[i] < end:
                return value
        with self._lock:
            self._ranges[full] = (value, marks)
            while len(self._ranges) > 1000:
                self._ranges.popitem(last=False)
        return value

    @staticmethod
    def _untouched(rx: Rx, source: str, mark: int, end: float) -> bool:
        table, col = CACHEABLE[source]
        earliest = rx.dialect.earliest_since(rx, table, col, mark)
        return earliest is None or earliest >= end
