"""The report cache's freshness rule, write side and read side.

Every product write that changes a row a report reads records a touch,
(table, earliest time it changed), in its own transaction: `Tx.touch` calls
`touch` below. A cached bucket remembers the newest touch id seen before it
was computed (`touch_mark`) and is served only while no touch since then
falls before the bucket's end (`touched_since`). Touches live in the
database, so a write made by any process invalidates every process's cache.
The SQL is portable; another engine keeps these three functions.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatsup.server.store.tx import Rx, Tx

TOUCH_SLACK_S = 60.0
KEEP_TOUCHES = 100_000  # older touches are pruned; a figure kept before them is recomputed
PRUNE_EVERY = 4096
SETTLE_S = 120.0  # > TOUCH_SLACK_S + the longest write transaction


def touch(tx: Tx, table: str, at: float | None) -> None:
    """Record that rows of `table` from time `at` on changed (in the caller's
    transaction). `at` is the time the report buckets the row by."""
    if at is None or at >= time.time() - TOUCH_SLACK_S:
        return
    last = tx.insert("INSERT INTO report_touches(source, at) VALUES (?, ?)", (table, at))
    if last % PRUNE_EVERY == 0 and last > KEEP_TOUCHES:
        floor = last - KEEP_TOUCHES
        tx.execute("DELETE FROM report_touches WHERE id <= ?", (floor,))
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('report_touches_floor', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(floor),),
        )


def touch_mark(rx: Rx) -> int:
    """The newest touch: read before computing the figures it will guard."""
    return int(rx.scalar("SELECT coalesce(max(id), 0) FROM report_touches"))


def touched_since(rx: Rx, table: str, mark: int) -> float | None:
    """The earliest time touched in `table` by a write after `mark` (-inf when
    the touches since `mark` were pruned: nothing can be vouched for)."""
    floor = rx.scalar("SELECT value FROM meta WHERE key = 'report_touches_floor'")
    if floor is not None and mark < int(floor):
        return -math.inf
    at: float | None = rx.scalar(
        "SELECT min(at) FROM report_touches WHERE source = ? AND id > ?", (table, mark)
    )
    return at
