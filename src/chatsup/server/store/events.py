"""The event log: reading it after an id, its bounds, pruning it."""

from __future__ import annotations

from typing import Any

import orjson

from chatsup.server.store.paging import (
    MAX_LIMIT,
)
from chatsup.server.store.tx import PendingEvent, Rx, Tx
from chatsup.server.store.wire import iso


def events_after(rx: Rx, after: int, limit: int) -> list[dict[str, Any]]:
    limit = min(max(limit, 1), MAX_LIMIT * 10)
    return [
        {"id": r[0], "type": r[2], "at": iso(r[1], rx.tz), "data": orjson.loads(r[3])}
        for r in rx.execute(
            "SELECT id, at, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (after, limit),
        )
    ]


def log_bounds(rx: Rx) -> tuple[int, int]:
    """(pruned_through, latest id): ids <= pruned_through are gone from the log."""
    pruned = rx.scalar("SELECT value FROM meta WHERE key = 'events_pruned_through'")
    return int(pruned or 0), rx.dialect.latest_event_id(rx)


# -- event log retention ------------------------------------------------------


def prune_events(tx: Tx, older_than: float) -> int:
    """Drop events older than the retention; remembers where the log starts."""
    row = tx.execute("SELECT max(id) FROM events WHERE at < ?", (older_than,)).fetchone()
    if row[0] is None:
        return 0
    cur = tx.execute("DELETE FROM events WHERE id <= ?", (row[0],))
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('events_pruned_through', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = "
        + tx.dialect.greatest_int("meta.value", "excluded.value"),
        (str(row[0]),),
    )
    return cur.rowcount


def pending_after(rx: Rx, after: int, upto: int, limit: int = 1000) -> list[PendingEvent]:
    """Events in (after, upto], oldest first, as the hub publishes them (the
    event feed of another process's commits)."""
    return [
        PendingEvent(r[0], r[1], r[2], orjson.loads(r[3]))
        for r in rx.execute(
            "SELECT id, type, at, data FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (after, upto, limit),
        )
    ]
