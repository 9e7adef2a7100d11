"""Figures of past time buckets, kept in memory between report requests.

Write side: every product write that changes a row a report reads records
a touch, (table, earliest time it changed) — `touch` below, called as
`tx.touch(...)` in the store's write functions. Read side: a cached bucket
is kept with the last touch id seen before it was computed, and served only
while no touch since then falls before the bucket's end — `touched_since`.
These two functions are the whole mechanism: another engine replaces them.

Touches live in the database, so a write made by any process of the server
invalidates every process's cache. Writes "now" (at or after the wall clock
less TOUCH_SLACK_S) are not recorded: no bucket that ended before then is
cached (a bucket is kept only once it ended SETTLE_S ago). Editing the
database behind the server's back is not supported: such edits touch nothing.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from chatsup.server.store.touches import SETTLE_S, touch_mark, touched_since
from chatsup.server.store.tx import Rx

# source → the tables whose touches it reads (its own, and those its filters
# read: a page view's and a conversation's advisor is the session's presented
# one; a session's start precedes its page views and conversations): the
# sources whose ended buckets are cached
CACHEABLE: dict[str, tuple[str, ...]] = {
    "page_views": ("page_views", "sessions"),
    "sessions": ("sessions",),
    "answers": ("messages",),
    "first_answers": ("messages",),
    "conversations": ("conversations", "sessions"),
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
        self._ranges: OrderedDict[Key, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    @staticmethod
    def changing_times(rx: Rx, source: str) -> list[float]:
        """When the rows that may still change were stamped (sorted)."""
        sql = STILL_CHANGING.get(source)
        return sorted(t for (t,) in rx.execute(sql)) if sql else []

    def get(
        self,
        rx: Rx,
        source: str,
        key: Key,
        end: float,
        newest: dict[tuple[str, int], float | None],
    ) -> tuple[Any, ...] | None:
        """The cached values, if still true. `newest` memoises, per table and
        mark, the earliest time touched since (one query each)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            self.misses += 1
            return None
        values, mark = entry
        if not all(self._untouched(rx, t, mark, end, newest) for t in CACHEABLE[source]):
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
        no write touches it and none of its rows may still change."""
        if end > time.time() - SETTLE_S:
            return compute()
        mark = touch_mark(rx)
        full = ("range", *key, start, end)
        with self._lock:
            entry = self._ranges.get(full)
        if entry is not None:
            value, old = entry
            newest: dict[tuple[str, int], float | None] = {}
            tables = {t for s in sources for t in CACHEABLE[s]}
            if all(self._untouched(rx, t, old, end, newest) for t in tables):
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
            self._ranges[full] = (value, mark)
            while len(self._ranges) > 1000:
                self._ranges.popitem(last=False)
        return value

    @staticmethod
    def _untouched(
        rx: Rx, table: str, mark: int, end: float, newest: dict[tuple[str, int], float | None]
    ) -> bool:
        if (table, mark) not in newest:
            newest[(table, mark)] = touched_since(rx, table, mark)
        earliest = newest[(table, mark)]
        return earliest is None or earliest >= end
