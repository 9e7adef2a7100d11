"""Offline messages and the call log."""

from __future__ import annotations

from typing import Any

from chatsup.domain import rules
from chatsup.server.store.common import (
    MAX_LIMIT,
    BadInput,
    ListFilter,
    and_,
    decode_cursor,
    encode_cursor,
    fts_query,
    iso,
    keyset,
    page,
    ref,
)
from chatsup.server.store.db import Rx
from chatsup.server.store.rules_sql import call_duration_sql, call_outcome_sql

OFFLINE_SELECT = """
SELECT o.id, o.at, o.site_id, s.name AS site_name, o.visitor_id, v.number, p.name AS profile_name,
       o.name, o.email, o.phone, o.body, o.handled_by, a.name AS agent_name, o.status
FROM offline_messages o
JOIN sites s ON s.id = o.site_id
LEFT JOIN visitors v ON v.id = o.visitor_id
LEFT JOIN profiles p ON p.visitor_id = o.visitor_id
LEFT JOIN agents a ON a.id = o.handled_by
"""

OFFLINE_STATUSES = ("new", "read", "handled")


def offline_item(r: Any, tz: Any) -> dict[str, Any]:
    visitor = None
    if r["visitor_id"] is not None:
        visitor = {"id": r["visitor_id"], "number": r["number"], "name": r["profile_name"]}
    return {
        "id": r["id"],
        "at": iso(r["at"], tz),
        "site": ref(r["site_id"], r["site_name"]),
        "visitor": visitor,
        "name": r["name"],
        "email": r["email"],
        "phone": r["phone"],
        "body": r["body"],
        "handled_by": ref(r["handled_by"], r["agent_name"]),
        "status": r["status"],
    }


def list_offline(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Newest first; with `q`, newest match first (by id) with an id cursor."""
    conds, params = f.where(
        time_col="o.at", agent_col="o.handled_by", site_col="o.site_id", visitor_col="o.visitor_id"
    )
    if f.status is not None:
        if f.status not in OFFLINE_STATUSES:
            raise BadInput("status", f"must be one of {', '.join(OFFLINE_STATUSES)}")
        conds.append("o.status = ?")
        params.append(f.status)
    limit = min(f.limit, MAX_LIMIT)
    match = fts_query(f.q)
    if match:
        key = decode_cursor(f.cursor, (int,))
        if key:
            conds.append("o.id < ?")
            params.append(key[0])
        conds.append("o.id IN (SELECT rowid FROM offline_fts WHERE offline_fts MATCH ?)")
        params.append(match)
        rows = rx.execute(
            OFFLINE_SELECT + and_(conds) + " ORDER BY o.id DESC LIMIT ?", [*params, limit + 1]
        ).fetchall()
        rows, nxt = page(rows, limit, lambda r: (r["id"],))
    else:
        kc, kp = keyset(f, "o.at", "o.id")
        rows = rx.execute(
            OFFLINE_SELECT + and_(conds + kc) + " ORDER BY o.at DESC, o.id DESC LIMIT ?",
            [*params, *kp, limit + 1],
        ).fetchall()
        rows, nxt = page(rows, limit, lambda r: (r["at"], r["id"]))
    return {"items": [offline_item(r, rx.tz) for r in rows], "next_cursor": nxt}


CALL_SELECT = """
SELECT c.id, c.conversation_id, c.started_at, c.answered_at, c.ended_at, c.visitor_id,
       v.number, p.name AS profile_name, c.agent_id, a.name AS agent_name, c.state, c.end_reason
FROM calls c
JOIN visitors v ON v.id = c.visitor_id
LEFT JOIN profiles p ON p.visitor_id = c.visitor_id
LEFT JOIN agents a ON a.id = c.agent_id
"""

CALL_STATES = rules.CALL_STATES
DURATION_SQL = call_duration_sql("c")  # rules.call_duration
OUTCOME_SQL = call_outcome_sql("c")  # rules.call_outcome


def call_item(r: Any, tz: Any) -> dict[str, Any]:
    duration = rules.call_duration(r["answered_at"], r["ended_at"])
    return {
        "id": r["id"],
        "conversation_id": r["conversation_id"],
        "started_at": iso(r["started_at"], tz),
        "duration_s": duration,
        "caller": {"id": r["visitor_id"], "nickname": r["profile_name"] or f"#{r['number']}"},
        "called": None
        if r["agent_id"] is None
        else {"id": r["agent_id"], "nickname": r["agent_name"]},
        "state": r["state"],
        "end_reason": r["end_reason"],
    }


def _call_conditions(f: ListFilter) -> tuple[list[str], list[Any]]:
    conds, params = f.where(
        time_col="c.started_at", agent_col="c.agent_id", visitor_col="c.visitor_id"
    )
    if f.site_id is not None:
        conds.append("c.visitor_id IN (SELECT id FROM visitors WHERE site_id = ?)")
        params.append(f.site_id)
    if f.status is not None:
        if f.status not in CALL_STATES:
            raise BadInput("status", f"must be one of {', '.join(CALL_STATES)}")
        conds.append("c.state = ?")
        params.append(f.status)
    return conds, params


def list_calls(rx: Rx, f: ListFilter) -> dict[str, Any]:
    conds, params = _call_conditions(f)
    kc, kp = keyset(f, "c.started_at", "c.id")
    limit = min(f.limit, MAX_LIMIT)
    rows = rx.execute(
        CALL_SELECT + and_(conds + kc) + " ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
        [*params, *kp, limit + 1],
    ).fetchall()
    rows, nxt = page(rows, limit, lambda r: (r["started_at"], r["id"]))
    s = rx.one(
        "SELECT count(*) AS total,"
        f" coalesce(sum({DURATION_SQL}), 0.0) AS total_duration_s,"
        f" avg(CASE WHEN c.answered_at IS NOT NULL THEN {DURATION_SQL} END) AS avg_duration_s"
        " FROM calls c" + and_(conds),
        params,
    )
    assert s is not None  # an aggregate always answers one row
    # each call in one outcome (rules.call_outcome): they add up to the total
    outcomes = dict.fromkeys(rules.CALL_OUTCOMES, 0)
    for outcome, n in rx.execute(
        f"SELECT {OUTCOME_SQL} AS outcome, count(*) FROM calls c"
        + and_(conds)
        + " GROUP BY outcome",
        params,
    ):
        outcomes[outcome] = n
    summary = {
        "total": s["total"],
        **outcomes,
        "total_duration_s": float(s["total_duration_s"] or 0.0),
        "avg_duration_s": s["avg_duration_s"],
    }
    return {"items": [call_item(r, rx.tz) for r in rows], "next_cursor": nxt, "summary": summary}


def call_row(rx: Rx, call_id: int) -> dict[str, Any] | None:
    r = rx.one(CALL_SELECT + " WHERE c.id = ?", (call_id,))
    return None if r is None else call_item(r, rx.tz)


__all__ = ["encode_cursor", "list_calls", "list_offline"]
