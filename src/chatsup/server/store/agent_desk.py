"""What an advisor's own desk reads: who the token belongs to, the open
conversations it may take or already holds, and one of them with the
visitor's session details (an advisor sees the session of the chat, not the
visitor's whole history nor the IP address)."""

from __future__ import annotations

import time
from typing import Any

from chatsup.server.store.conversations import ITEM_SELECT, item
from chatsup.server.store.errors import BadInput, NotFound
from chatsup.server.store.messages import conversation_detail
from chatsup.server.store.paging import MAX_LIMIT, and_, decode_cursor, encode_cursor
from chatsup.server.store.rules_sql import waiting_sql
from chatsup.server.store.tx import Rx
from chatsup.server.store.visitors import VISITOR_SELECT, _location, profile_of, visitor_item
from chatsup.server.store.wire import iso, ref

SCOPES = ("open", "waiting", "mine")
PAGE_VIEWS = 50


def agent_me(rx: Rx, agent_id: int) -> dict[str, Any]:
    row = rx.one("SELECT id, name, email, presence FROM agents WHERE id = ?", (agent_id,))
    if row is None:
        raise NotFound("agent")
    return {
        "id": row["id"],
        "name": row["name"],
        "email": row["email"],
        "presence": row["presence"],
    }


def _scope(rx: Rx, scope: str, agent_id: int) -> tuple[str, list[Any]]:
    # the holder not through the agent index (see desk_conversations)
    holder = rx.dialect.no_index("c.agent_id")
    waiting = waiting_sql("c", holder=holder)
    if scope == "waiting":
        return waiting, []
    if scope == "mine":
        return f"{holder} = ?", [agent_id]
    if scope == "open":
        return f"({waiting} OR {holder} = ?)", [agent_id]
    raise BadInput("scope", f"must be one of {', '.join(SCOPES)}")


def desk_conversations(
    rx: Rx, agent_id: int, scope: str = "open", limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Conversations not ended that wait for any advisor (a visitor wrote,
    nobody answered) and/or that this advisor holds; newest first."""
    cond, params = _scope(rx, scope, agent_id)
    # open conversations are few: take them from the partial index first (an
    # advisor's or the unassigned history can be hundreds of thousands of rows)
    conds = [
        "c.id IN (SELECT id FROM "
        + rx.dialect.indexed_by("conversations", "conversations_open")
        + " WHERE ended_at IS NULL)",
        "c.ended_at IS NULL",
        cond,
    ]
    key = decode_cursor(cursor, (float, int))
    if key is not None:
        conds.append("(c.started_at < ? OR (c.started_at = ? AND c.id < ?))")
        params += [key[0], key[0], key[1]]
    limit = max(1, min(limit, MAX_LIMIT))
    rows = rx.execute(
        ITEM_SELECT + and_(conds) + " ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor(rows[-1]["started_at"], rows[-1]["id"])
    return {"items": [item(r, rx.tz) for r in rows], "next_cursor": nxt}


def _session(rx: Rx, session_id: int | None) -> dict[str, Any] | None:
    if session_id is None:
        return None
    s = rx.one(
        "SELECT x.*, s.name AS site_name, a.name AS agent_name FROM sessions x"
        " JOIN sites s ON s.id = x.site_id LEFT JOIN agents a ON a.id = x.presented_agent_id"
        " WHERE x.id = ?",
        (session_id,),
    )
    if s is None:
        return None
    return {
        "id": s["id"],
        "started_at": iso(s["started_at"], rx.tz),
        "ended_at": iso(s["ended_at"], rx.tz),
        "site": ref(s["site_id"], s["site_name"]),
        "agent": ref(s["presented_agent_id"], s["agent_name"]),
        "user_agent": s["user_agent"],
        "os": s["os"],
        "browser": s["browser"],
        "webrtc": None if s["webrtc"] is None else bool(s["webrtc"]),
        "referrer": s["referrer"],
        "location": _location(s),
    }


def desk_conversation(rx: Rx, conversation_id: int) -> dict[str, Any]:
    """A conversation with its messages, the visitor, their profile, the
    session the chat belongs to and that session's newest page views."""
    out = conversation_detail(rx, conversation_id)
    conv = rx.one(
        "SELECT visitor_id, session_id FROM conversations WHERE id = ?", (conversation_id,)
    )
    if conv is None:  # pragma: no cover - conversation_detail raised already
        raise NotFound("conversation")
    vid, sid = conv["visitor_id"], conv["session_id"]
    visitor = rx.one(VISITOR_SELECT + " WHERE v.id = ?", (vid,))
    out["visitor"] = visitor_item(visitor, rx.tz, time.time()) if visitor else None
    out["profile"] = profile_of(rx, vid)
    out["session"] = _session(rx, sid)
    out["page_views"] = (
        [
            {
                "id": p["id"],
                "session_id": p["session_id"],
                "url": p["url"],
                "title": p["title"],
                "at": iso(p["at"], rx.tz),
            }
            for p in rx.execute(
                f"SELECT * FROM page_views WHERE visitor_id = ? AND {rx.dialect.is_('session_id')}"
                " ORDER BY at DESC, id DESC LIMIT ?",
                (vid, sid, PAGE_VIEWS),
            )
        ]
        if sid is not None
        else []
    )
    out["visits"] = rx.scalar("SELECT count(*) FROM sessions WHERE visitor_id = ?", (vid,))
    return out
