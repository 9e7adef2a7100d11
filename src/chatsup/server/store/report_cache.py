"""Figures of past time buckets, kept between report requests: in memory,
and in the store (report_rollups, store/rollups.py) so a fresh process
answers from them.

Write side: every product write that changes a row a report reads records
a touch, (table, the span of times it changed) — `touches.touch`, called as
`tx.touch(...)` in the store's write functions — and deletes the stored
figures of the buckets it touches. Read side: a figure kept in memory is
kept with the last touch id seen before it was computed, and served only
while no touch since then overlaps its bucket — `touched_since`; one missing
there is read from the store (true by construction), else computed from the
rows, kept, and written to the store through the writer.

Touches live in the database, so a write made by any process of the server
invalidates every process's figures. Writes "now" (at or after the wall
clock less TOUCH_SLACK_S) are not recorded: no bucket that ended before then
is kept (a bucket is kept only once it ended SETTLE_S ago). Editing the
database behind the server's back is not supported: such edits touch nothing.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from chatsup.server.store import rollups
from chatsup.server.store.rollups import Rollup
from chatsup.server.store.touches import SETTLE_S, Touched, touch_mark, touched_since
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
# A process's start reads this many of the figures kept in the store into
# memory (the newest written): its first report over a range an earlier
# process answered is then served as the later ones are.
PRELOAD = 100_000

Key = tuple[Any, ...]
Newest = dict[tuple[str, int], Touched]  # per table and mark: what was touched since
Persist = Callable[[list[Rollup]], None]


Span = tuple[float, float]
Group = dict[Span, tuple[tuple[Any, ...], int]]  # (start, end) → (values, mark)
Interval = tuple[Any, float, float]  # (the caller's key, start, end)


class BucketCache:
    """Figures by `base` (a source's metrics under a report's filters), then
    by bucket (start, end); the least recently used bases are dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, persist: Persist | None = None) -> None:
        self._entries: OrderedDict[Key, Group] = OrderedDict()
        self._size = 0
        self._ranges: OrderedDict[Key, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        # writes computed figures to the store (through the writer); None: memory only
        self.persist = persist
        self.hits = 0  # figures served from memory
        self.misses = 0
        self.loaded = 0  # figures read from the store
        self.preloaded = 0  # figures read from the store at start (`preload`)
        self.computed: dict[str, int] = {}  # figures computed from the rows, by source

    def count_computed(self, source: str, n: int = 1) -> None:
        if not n:
            return
        with self._lock:
            self.computed[source] = self.computed.get(source, 0) + n

    @staticmethod
    def changing_times(rx: Rx, source: str) -> list[float]:
        """When the rows that may still change were stamped (sorted)."""
        sql = STILL_CHANGING.get(source)
        return sorted(t for (t,) in rx.execute(sql)) if sql else []

    def get_many(
        self,
        rx: Rx,
        source: str,
        base: Key,
        intervals: list[Interval],
        newest: Newest,
        mark: int,
    ) -> dict[Any, tuple[Any, ...]]:
        """The kept values of these intervals that are still true, by the
        caller's key. `newest` memoises, per table and mark, what was touched
        since (one query each). A value found true is re-marked with `mark`
        (the newest touch of this snapshot): the next check reads only the
        touches after it."""
        with self._lock:
            group = self._entries.get(base)
            if group is not None:
                self._entries.move_to_end(base)
        out: dict[Any, tuple[Any, ...]] = {}
        if group is not None:
            tables = CACHEABLE[source]
            clean: dict[int, bool] = {}  # old mark → nothing touched since in these tables
            for k, s, e in intervals:
                entry = group.get((s, e))
                if entry is None:
                    continue
                values, old = entry
                if old not in clean:
                    clean[old] = all(self._since(rx, t, old, newest).empty for t in tables)
                if clean[old] or not any(
                    self._since(rx, t, old, newest).overlaps(s, e) for t in tables
                ):
                    out[k] = values
                    if old != mark:
                        group[(s, e)] = (values, mark)
        self.hits += len(out)
        self.misses += len(intervals) - len(out)
        return out

    def put_many(
        self, base: Key, kept: list[tuple[float, float, tuple[Any, ...]]], mark: int
    ) -> None:
        with self._lock:
            group = self._entries.get(base)
            if group is None:
                group = self._entries[base] = {}
            self._entries.move_to_end(base)
            before = len(group)
            for s, e, values in kept:
                group[(s, e)] = (values, mark)
            self._size += len(group) - before
            while self._size > self.max_entries and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def stored(
        self, rx: Rx, source: str, base: Key, intervals: list[Interval], mark: int
    ) -> dict[Any, tuple[Any, ...]]:
        """The figures of these ended intervals kept in the store, by interval
        key; each found is also kept in memory (true as of this snapshot)."""
        if not intervals:
            return {}
        lo = min(s for _, s, _ in intervals)
        hi = max(e for _, _, e in intervals)
        found = rollups.load(rx, rollups.kind_of(base), lo, hi)
        out: dict[Any, tuple[Any, ...]] = {}
        kept = []
        for k, s, e in intervals:
            values = found.get((s, e))
            if values is not None:
                out[k] = tuple(values)
                kept.append((s, e, out[k]))
        self.put_many(base, kept, mark)
        self.loaded += len(out)
        return out

    def preload(self, rx: Rx, limit: int = PRELOAD) -> int:
        """Read the newest bucket figures kept in the store into memory; true
        as of this snapshot (as `stored`). Whole-range figures are left to
        their first request (one row each). Answers how many were read."""
        mark = touch_mark(rx)
        groups: dict[Key, list[tuple[float, float, tuple[Any, ...]]]] = {}
        for kind, vals in rollups.newest(rx, limit):
            base = _tuples(orjson.loads(kind))
            if not base or base[0] == "range" or base[0] not in CACHEABLE:
                continue
            start, end, values = orjson.loads(vals)
            groups.setdefault(base, []).append((start, end, tuple(values)))
        for base, kept in reversed(groups.items()):  # the newest used last
            self.put_many(base, kept, mark)
        n = sum(map(len, groups.values()))
        self.preloaded += n
        return n

    def keep(
        self, source: str, base: Key, kept: list[tuple[float, float, tuple[Any, ...]]], mark: int
    ) -> None:
        """Keep figures just computed: in memory, and in the store."""
        self.put_many(base, kept, mark)
        if self.persist is not None and kept:
            kind, tables = rollups.kind_of(base), CACHEABLE[source]
            self.persist([Rollup(kind, s, e, tables, list(v), mark) for s, e, v in kept])

    def over_range(
        self,
        rx: Rx,
        key: Key,
        sources: tuple[str, ...],
        start: float,
        end: float,
        compute: Callable[[], Any],
        dump: Callable[[Any], Any] = lambda v: v,
        load: Callable[[Any], Any] = lambda v: v,
    ) -> Any:
        """A whole-range figure (a breakdown, per-advisor statistics) under the
        same rule as a bucket: kept once the range has ended, for as long as
        no write touches it and none of its rows may still change. `dump`
        and `load` turn it into JSON and back for the store."""
        if end > time.time() - SETTLE_S:
            return compute()
        mark = touch_mark(rx)
        full = ("range", *key, start, end)
        tables = tuple(sorted({t for s in sources for t in CACHEABLE[s]}))
        with self._lock:
            entry = self._ranges.get(full)
        if entry is not None:
            value, old = entry
            newest: Newest = {}
            if all(self._untouched(rx, t, old, start, end, newest) for t in tables):
                self.hits += 1
                if old != mark:
                    self._keep_range(full, value, mark)
                return value
        self.misses += 1
        kind = rollups.kind_of(("range", *key))
        stored = rollups.load_one(rx, kind, start, end)
        if stored is not None:
            self.loaded += 1
            value = load(stored)
            self._keep_range(full, value, mark)
            return value
        value = compute()
        self.count_computed("range:" + str(key[0]))
        for s in sources:
            changing = self.changing_times(rx, s)
            i = bisect.bisect_left(changing, start)
            if i < len(changing) and changing[i] < end:
                return value
        self._keep_range(full, value, mark)
        if self.persist is not None:
            self.persist([Rollup(kind, start, end, tables, dump(value), mark)])
        return value

    def _keep_range(self, full: Key, value: Any, mark: int) -> None:
        with self._lock:
            self._ranges[full] = (value, mark)
            while len(self._ranges) > 1000:
                self._ranges.popitem(last=False)

    @staticmethod
    def _since(rx: Rx, table: str, mark: int, newest: Newest) -> Touched:
        if (table, mark) not in newest:
            newest[(table, mark)] = touched_since(rx, table, mark)
        return newest[(table, mark)]

    def _untouched(
        self, rx: Rx, table: str, mark: int, start: float, end: float, newest: Newest
    ) -> bool:
        return not self._since(rx, table, mark, newest).overlaps(start, end)


def _tuples(value: Any) -> Any:
    """A key read back from its JSON (`rollups.kind_of`): lists as tuples."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def preload(rx: Rx) -> int:
    """The start-up warm-up's read (Store.read_report): `BucketCache.preload`."""
    return rx.cache.preload(rx) if rx.cache is not None else 0
