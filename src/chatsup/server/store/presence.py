"""Presence history: per advisor, the time spent online, away and offline
over a range, and the intervals (`GET /v1/stats/presence`).

Every change of presence is stored (`agents.set_presence` writes
`presence_changes`); before an agent's first recorded change it is offline.
The range is clipped to now, so an advisor's three totals add up to the
range's length (up to now)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from chatsup.server.store import buckets as bk
from chatsup.server.store.paging import ListFilter, one_of
from chatsup.server.store.tx import Rx
from chatsup.server.store.wire import iso, ref

STATUSES = ("online", "away", "offline")
BEFORE_ANY_CHANGE = "offline"
# intervals listed per advisor at most (the totals always cover the whole range)
MAX_INTERVALS = 2000


def intervals(
    status_at_start: str, changes: Iterable[tuple[float, str]], start: float, end: float
) -> list[tuple[float, float, str]]:
    """[start, end) cut by the changes (in order, each inside the range) into
    (from, to, status) pieces; a change to the status it already had (or at
    the same instant as the next) makes no piece of its own."""
    out: list[tuple[float, float, str]] = []
    at, status = start, status_at_start
    for when, new in changes:
        if new == status:
            continue
        if when > at:
            out.append((at, when, status))
        at, status = when, new
    if end > at:
        out.append((at, end, status))
    # two neighbours with one status (a zero-length change between them) are one
    merged: list[tuple[float, float, str]] = []
    for piece in out:
        if merged and merged[-1][2] == piece[2] and merged[-1][1] == piece[0]:
            merged[-1] = (merged[-1][0], piece[1], piece[2])
        else:
            merged.append(piece)
    return merged


def _agents(rx: Rx, f: ListFilter) -> list[Any]:
    conds: list[str] = []
    params: list[Any] = []
    if f.agent_ids:
        conds.append(f"a.id {one_of(f.agent_ids)}")
        params.extend(f.agent_ids)
    if f.site_ids:
        # an agent serves the sites it is bound to, or every site when bound to none
        marks = one_of(f.site_ids)
        conds.append(
            f"(EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id AND x.site_id {marks})"
            " OR NOT EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id))"
        )
        params.extend(f.site_ids)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    return rx.execute(
        f"SELECT a.id, a.name FROM agents a{where} ORDER BY a.name, a.id", params
    ).fetchall()


def presence_stats(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Rows `{agent, online_s, away_s, offline_s, intervals[{from, to,
    status}]}` over the range (default: the last 30 days), clipped to now."""
    now = time.time()
    days = bk.clip(bk.days(*bk.span(f.since, f.until, rx.tz, 30, now), rx.tz), f.since, f.until)
    since = bk.edge(f.since, days[0], True, rx.tz)
    until = bk.edge(f.until, days[-1], False, rx.tz)
    start, end = days[0].start, min(days[-1].end, now)
    rows = []
    for aid, name in _agents(rx, f):
        totals = dict.fromkeys(STATUSES, 0.0)
        pieces: list[tuple[float, float, str]] = []
        if end > start:
            before = rx.scalar(
                "SELECT status FROM presence_changes WHERE agent_id = ? AND at < ?"
                " ORDER BY at DESC, id DESC LIMIT 1",
                (aid, start),
            )
            changes = rx.execute(
                "SELECT at, status FROM presence_changes WHERE agent_id = ? AND at >= ?"
                " AND at < ? ORDER BY at, id",
                (aid, start, end),
            ).fetchall()
            pieces = intervals(before or BEFORE_ANY_CHANGE, changes, start, end)
        for lo, hi, status in pieces:
            totals[status] += hi - lo
        rows.append(
            {
                "agent": ref(aid, name),
                "online_s": totals["online"],
                "away_s": totals["away"],
                "offline_s": totals["offline"],
                "intervals": [
                    {"from": iso(lo, rx.tz), "to": iso(hi, rx.tz), "status": status}
                    for lo, hi, status in pieces[:MAX_INTERVALS]
                ],
                "intervals_truncated": len(pieces) > MAX_INTERVALS,
            }
        )
    return {
        "rows": rows,
        "since": since,
        "until": until,
        "from": iso(start, rx.tz),
        "to": iso(max(start, end), rx.tz),
    }
