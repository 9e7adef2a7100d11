"""Calls (the call log and the call state machine), SMS and callbacks."""

from __future__ import annotations

from typing import Any

from chatsup.domain import rules
from chatsup.domain.labels import visitor_label
from chatsup.server.store.errors import BadInput, Forbidden, NotFound
from chatsup.server.store.paging import (
    MAX_LIMIT,
    ListFilter,
    and_,
    check_status,
    keyset,
    one_of,
    page,
)
from chatsup.server.store.rules_sql import (
    call_duration_sql,
    call_outcome_sql,
)
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso, ref

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
        "caller": {
            "id": r["visitor_id"],
            "nickname": r["profile_name"] or visitor_label(r["number"]),
        },
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
    if f.site_ids:
        conds.append(
            f"c.visitor_id IN (SELECT id FROM visitors WHERE site_id {one_of(f.site_ids)})"
        )
        params.extend(f.site_ids)
    check_status(f, CALL_STATES)
    if f.statuses:
        conds.append(f"c.state {one_of(f.statuses)}")
        params.extend(f.statuses)
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


def _call_event(tx: Tx, call_id: int) -> None:
    row = tx.execute(
        "SELECT c.*, a.name AS agent_name FROM calls c LEFT JOIN agents a ON a.id = c.agent_id"
        " WHERE c.id = ?",
        (call_id,),
    ).fetchone()
    duration = rules.call_duration(row["answered_at"], row["ended_at"])
    tx.emit(
        "call.updated",
        {
            "id": call_id,
            "conversation_id": row["conversation_id"],
            "visitor_id": row["visitor_id"],
            "agent": ref(row["agent_id"], row["agent_name"]),
            "state": row["state"],
            "end_reason": row["end_reason"],
            "duration_s": duration,
        },
        row["ended_at"] or row["answered_at"] or row["started_at"],
    )


def start_call(
    tx: Tx,
    visitor_id: int,
    agent_id: int | None,
    conversation_id: int | None,
    at: float | None = None,
) -> int:
    at = tx.now if at is None else at
    if tx.execute("SELECT 1 FROM visitors WHERE id = ?", (visitor_id,)).fetchone() is None:
        raise NotFound("visitor")
    if (
        conversation_id is not None
        and tx.execute(
            "SELECT 1 FROM conversations WHERE id = ? AND visitor_id = ?",
            (conversation_id, visitor_id),
        ).fetchone()
        is None
    ):
        raise NotFound("conversation")
    cid = tx.insert(
        "INSERT INTO calls(conversation_id, visitor_id, agent_id, started_at, state)"
        " VALUES (?, ?, ?, ?, 'ringing')",
        (conversation_id, visitor_id, agent_id, at),
    )
    _call_event(tx, cid)
    return cid


def update_call(
    tx: Tx,
    call_id: int,
    state: str,
    end_reason: str | None,
    agent_id: int | None = None,
    at: float | None = None,
) -> dict[str, Any]:
    at = tx.now if at is None else at
    tx.dialect.lock(tx, "calls", call_id)  # the state machine moves one step at a time
    row = tx.execute("SELECT state, agent_id FROM calls WHERE id = ?", (call_id,)).fetchone()
    if row is None:
        raise NotFound("call")
    # an agent changes its own calls, or one nobody holds (`agent_id` None:
    # the caller is trusted, e.g. the seed)
    if agent_id is not None and not rules.may_handle(agent_id, row[1]):
        raise Forbidden("this call belongs to another agent")
    if not rules.can_move(row[0], state):
        raise BadInput("state", f"a {row[0]} call cannot become {state}")
    if state == "answered":
        tx.execute(
            "UPDATE calls SET state = ?, answered_at = ?, agent_id = coalesce(agent_id, ?)"
            " WHERE id = ?",
            (state, at, agent_id, call_id),
        )
    else:
        tx.execute(
            "UPDATE calls SET state = ?, ended_at = ?, end_reason = ? WHERE id = ?",
            (state, at, end_reason, call_id),
        )
    _call_event(tx, call_id)
    return {"id": call_id, "state": state}


def add_sms(
    tx: Tx, visitor_id: int, agent_id: int | None, phone: str, body: str, at: float | None = None
) -> int:
    at = tx.now if at is None else at
    if tx.execute("SELECT 1 FROM visitors WHERE id = ?", (visitor_id,)).fetchone() is None:
        raise NotFound("visitor")
    sid = tx.insert(
        "INSERT INTO sms(visitor_id, agent_id, phone, body, at) VALUES (?, ?, ?, ?, ?)",
        (visitor_id, agent_id, phone, body, at),
    )
    tx.emit(
        "sms.created",
        {"id": sid, "visitor_id": visitor_id, "agent_id": agent_id, "phone": phone, "body": body},
        at,
    )
    return sid


def add_callback(
    tx: Tx,
    visitor_id: int,
    agent_id: int | None,
    phone: str,
    scheduled_for: float | None,
    at: float | None = None,
    status: str = "pending",
) -> int:
    at = tx.now if at is None else at
    if tx.execute("SELECT 1 FROM visitors WHERE id = ?", (visitor_id,)).fetchone() is None:
        raise NotFound("visitor")
    cid = tx.insert(
        "INSERT INTO callbacks(visitor_id, agent_id, phone, requested_at, scheduled_for, status)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (visitor_id, agent_id, phone, at, scheduled_for, status),
    )
    tx.emit(
        "callback.created",
        {
            "id": cid,
            "visitor_id": visitor_id,
            "phone": phone,
            "scheduled_for": iso(scheduled_for, tx.tz),
        },
        at,
    )
    return cid
