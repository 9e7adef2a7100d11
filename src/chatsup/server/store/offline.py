"""Offline messages: the list (with full-text search) and the writes."""

from __future__ import annotations

from typing import Any

from chatsup.server.store.errors import NotFound
from chatsup.server.store.paging import (
    MAX_LIMIT,
    ListFilter,
    and_,
    check_status,
    decode_cursor,
    keyset,
    one_of,
    page,
)
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso, ref

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
    check_status(f, OFFLINE_STATUSES)
    if f.statuses:
        conds.append(f"o.status {one_of(f.statuses)}")
        params.extend(f.statuses)
    limit = min(f.limit, MAX_LIMIT)
    match = rx.dialect.fts_query(f.q)
    if match:
        key = decode_cursor(f.cursor, (int,))
        if key:
            conds.append("o.id < ?")
            params.append(key[0])
        conds.append(f"o.id IN ({rx.dialect.fts_ids('offline_fts')})")
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


# -- offline messages, calls, sms, callbacks ----------------------------------


def offline_message(
    tx: Tx,
    site_id: int,
    visitor_id: int | None,
    name: str | None,
    email: str | None,
    phone: str | None,
    body: str,
    at: float | None = None,
    handled_by: int | None = None,
    status: str = "new",
) -> int:
    at = tx.now if at is None else at
    oid = tx.insert(
        "INSERT INTO offline_messages(site_id, visitor_id, name, email, phone, body, at,"
        " handled_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (site_id, visitor_id, name, email, phone, body, at, handled_by, status),
    )
    tx.emit(
        "offline_message.created",
        {
            "id": oid,
            "site_id": site_id,
            "visitor_id": visitor_id,
            "name": name,
            "body": body,
            "at": iso(at, tx.tz),
        },
        at,
    )
    return oid


def set_offline_status(tx: Tx, offline_id: int, status: str, agent_id: int | None) -> None:
    cur = tx.execute(
        "UPDATE offline_messages SET status = ?, handled_by = coalesce(?, handled_by) WHERE id = ?",
        (status, agent_id, offline_id),
    )
    if cur.rowcount == 0:
        raise NotFound("offline message")
    tx.emit("offline_message.updated", {"id": offline_id, "status": status})
