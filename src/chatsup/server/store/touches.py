"""The report cache's freshness rule, write side and read side.

Every product write that changes a row a report reads records a touch,
(table, the span of times the reports bucket the changed rows by), in its
own transaction: `Tx.touch` calls `touch` below (on PostgreSQL once the
batch's writes are done, as it commits: `touch_all`; a touch takes the
counter row, which must be the last lock a transaction takes). The same
write deletes the kept figures (report_rollups, store/rollups.py) of the buckets that span
overlaps: a write into the past marks stale only the buckets it touches, in
every process at once, and a kept figure in the store never needs the touch
log to be vouched for (pruning the log recomputes nothing kept there).

A figure kept in a process's memory remembers the newest touch id seen before
it was computed (`touch_mark`) and is served only while no touch since then
overlaps its bucket (`touched_since`). The SQL is portable; another engine
keeps these functions (the two-function seam: `touch`, `touched_since`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatsup.server.store.tx import Rx, Tx

TOUCH_SLACK_S = 60.0
KEEP_TOUCHES = 100_000  # older touches are pruned; a figure kept before them is recomputed
PRUNE_EVERY = 4096
SETTLE_S = 120.0  # > TOUCH_SLACK_S + the longest write transaction


def touch(tx: Tx, table: str, at: float | None, upto: float | None = None) -> None:
    """Record that rows of `table` bucketed at times in [at, upto] changed (in
    the caller's transaction; `upto` None: from `at` on), and drop the kept
    figures of the buckets that overlaps."""
    if at is None or at >= time.time() - TOUCH_SLACK_S:
        return  # a write "now": no bucket it falls in has been kept
    last = tx.insert(
        "INSERT INTO report_touches(source, at, upto) VALUES (?, ?, ?)", (table, at, upto)
    )
    before = "" if upto is None else " AND start_at <= ?"
    tx.execute(
        f"DELETE FROM report_rollups WHERE end_at > ?{before} AND tables LIKE ?",
        (at, *(() if upto is None else (upto,)), f"%,{table},%"),
    )
    if last % PRUNE_EVERY == 0 and last > KEEP_TOUCHES:
        floor = last - KEEP_TOUCHES
        tx.execute("DELETE FROM report_touches WHERE id <= ?", (floor,))
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('report_touches_floor', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(floor),),
        )


def touch_all(tx: Tx, touched: dict[str, set[float]]) -> None:
    """The touches of a batch's writes (`Tx.touched`), as it commits."""
    for table in sorted(touched):
        for at in sorted(touched[table]):
            touch(tx, table, at, at)


def touch_mark(rx: Rx) -> int:
    """The newest touch: read before computing the figures it will guard."""
    return int(rx.scalar("SELECT coalesce(max(id), 0) FROM report_touches"))


@dataclass(frozen=True)
class Touched:
    """The spans of time touched in one table since a mark."""

    spans: tuple[tuple[float, float], ...] = ()
    everything: bool = False  # the touches since the mark were pruned

    def overlaps(self, start: float, end: float) -> bool:
        """Whether a write since the mark touched the bucket [start, end)."""
        return self.everything or any(at < end and upto >= start for at, upto in self.spans)

    @property
    def empty(self) -> bool:
        return not self.spans and not self.everything

    @property
    def earliest(self) -> float | None:
        if self.everything:
            return -math.inf
        return min((at for at, _ in self.spans), default=None)


def touched_since(rx: Rx, table: str, mark: int) -> Touched:
    """What writes after `mark` touched in `table` (everything when the
    touches since `mark` were pruned: nothing can be vouched for)."""
    floor = rx.scalar("SELECT value FROM meta WHERE key = 'report_touches_floor'")
    if floor is not None and mark < int(floor):
        return Touched(everything=True)
    rows = rx.execute(
        "SELECT at, upto FROM report_touches WHERE source = ? AND id > ?", (table, mark)
    ).fetchall()
    return Touched(tuple((at, math.inf if upto is None else upto) for at, upto in rows))
