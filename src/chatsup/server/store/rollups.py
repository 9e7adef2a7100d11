"""Figures of ended buckets kept in the store (report_rollups), so a process
that just started answers from them instead of from the rows.

A rollup is one figure over one bucket: `kind` names the figure (a source's
metrics under the report's filters, or a whole-range figure), `tables` the
tables whose touches make it stale. It is written by the reader that
computed it, through the writer (`save`, queued, never waited for), and only
if no write since the reader's touch mark touched its bucket; from then on
the write that touches its bucket deletes it (store/touches.py). So a rollup
in the store is true whenever it is read, in every process, and pruning the
touch log recomputes none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from chatsup.server.store.touches import Touched, touched_since
from chatsup.server.store.tx import Rx, Tx

MAX_VALUES_BYTES = 8_000_000  # a figure larger than this is not kept in the store
# The store keeps at most this many figures: the oldest written go first (a
# figure dropped is computed again when next asked for).
MAX_ROWS = 2_000_000
SAVE_BATCH = 500  # figures kept by one write (other writes go in between)


@dataclass(frozen=True)
class Rollup:
    kind: str
    start: float
    end: float
    tables: tuple[str, ...]
    values: Any  # JSON-able
    mark: int  # the touch mark read before the figure was computed


def kind_of(key: Any) -> str:
    return orjson.dumps(key).decode()


def load(rx: Rx, kind: str, start: float, end: float) -> dict[tuple[float, float], Any]:
    """The kept figures of `kind` for buckets within [start, end]: read as
    one JSON array (thousands of hour buckets: one parse, not one a row)."""
    packed = rx.scalar(
        f"SELECT '[' || {rx.dialect.join_texts('vals')} || ']' FROM report_rollups"
        " WHERE kind = ? AND start_at >= ? AND end_at <= ?",
        (kind, start, end),
    )
    return {} if packed is None else {(s, e): v for s, e, v in orjson.loads(packed)}


def load_one(rx: Rx, kind: str, start: float, end: float) -> Any | None:
    v = rx.scalar(
        "SELECT vals FROM report_rollups WHERE kind = ? AND start_at = ? AND end_at = ?",
        (kind, start, end),
    )
    return None if v is None else orjson.loads(v)[2]


def newest(rx: Rx, limit: int) -> list[tuple[str, str]]:
    """The `limit` figures written last, as (kind, vals)."""
    rows = rx.execute(
        "SELECT kind, vals FROM report_rollups ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [(str(kind), str(vals)) for kind, vals in rows]


def save(tx: Tx, rollups: list[Rollup]) -> int:
    """Keep the figures no write touched since they were computed; answers
    how many were kept. The re-check runs under the commit-order lock
    (nothing on SQLite): a write in another process that touched a bucket
    and has not committed yet either commits before the re-check reads
    the touches, or deletes its buckets' rollups after this one commits."""
    if not rollups:
        return 0
    tx.dialect.lock_commit_order(tx)
    seen: dict[tuple[str, int], Touched] = {}
    kept = 0
    for r in rollups:
        stale = False
        for t in r.tables:
            if (t, r.mark) not in seen:
                seen[(t, r.mark)] = touched_since(tx, t, r.mark)
            if seen[(t, r.mark)].overlaps(r.start, r.end):
                stale = True
                break
        vals = orjson.dumps([r.start, r.end, r.values])  # the bounds exactly, for `load`
        if stale or len(vals) > MAX_VALUES_BYTES:
            continue
        tx.execute(
            "INSERT INTO report_rollups(kind, start_at, end_at, tables, vals)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, start_at, end_at)"
            " DO UPDATE SET tables = excluded.tables, vals = excluded.vals",
            (r.kind, r.start, r.end, "," + ",".join(r.tables) + ",", vals.decode()),
        )
        kept += 1
    top = tx.scalar("SELECT max(id) FROM report_rollups")
    if top is not None and top > MAX_ROWS:
        tx.execute("DELETE FROM report_rollups WHERE id <= ?", (top - MAX_ROWS,))
    return kept


def count(rx: Rx) -> int:
    return int(rx.scalar("SELECT count(*) FROM report_rollups"))
