"""Visitors, contacts (visitors with a profile) and session details."""

from __future__ import annotations

import time
from typing import Any

from chatsup.server.store.conversations import ITEM_SELECT, item
from chatsup.server.store.errors import NotFound
from chatsup.server.store.paging import MAX_LIMIT, ListFilter, and_, check_status, keyset, page
from chatsup.server.store.search import people_condition
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso, ref

# A visitor is "online now" when seen within this many seconds.
ONLINE_WINDOW_S = 300.0

VISITOR_SELECT = """
SELECT v.id, v.number, v.first_seen_at, v.last_seen_at, v.site_id, s.name AS site_name,
       v.presented_agent_id, a.name AS agent_name, p.name AS profile_name, v.page_views,
       v.country, v.country_code, v.city
FROM visitors v
LEFT JOIN sites s ON s.id = v.site_id
LEFT JOIN agents a ON a.id = v.presented_agent_id
LEFT JOIN profiles p ON p.visitor_id = v.id
"""


def visitor_item(row: Any, tz: Any, now: float) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "first_seen_at": iso(row["first_seen_at"], tz),
        "last_seen_at": iso(row["last_seen_at"], tz),
        "site": ref(row["site_id"], row["site_name"]),
        "presented_agent": ref(row["presented_agent_id"], row["agent_name"]),
        "name": row["profile_name"],
        "page_views": row["page_views"],
        "country": row["country"],
        "online": now - row["last_seen_at"] < ONLINE_WINDOW_S,
    }


def list_visitors(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Most recently seen first. Date range, advisor and site select visitors
    with a session in the range, on that site, presented that advisor (the
    "visitors" metric: a session in the bucket)."""
    check_status(f)
    conds: list[str] = []
    params: list[Any] = []
    if f.since is not None:
        conds.append("v.last_seen_at >= ?")
        params.append(f.since)
    sub, sub_params = f.where(
        time_col="x.started_at", agent_col="x.presented_agent_id", site_col="x.site_id"
    )
    if sub:
        conds.append(
            "EXISTS (SELECT 1 FROM sessions x WHERE x.visitor_id = v.id AND "
            + " AND ".join(sub)
            + ")"
        )
        params.extend(sub_params)
    if f.visitor_id is not None:
        conds.append("v.id = ?")
        params.append(f.visitor_id)
    if f.has_profile is not None:
        conds.append("v.has_profile = ?")
        params.append(int(f.has_profile))
    people, people_params = people_condition(rx, f.q, "v.id")
    if people:
        conds.append(people)
        params.extend(people_params)
    kc, kp = keyset(f, "v.last_seen_at", "v.id")
    limit = min(f.limit, MAX_LIMIT)
    rows = rx.execute(
        VISITOR_SELECT + and_(conds + kc) + " ORDER BY v.last_seen_at DESC, v.id DESC LIMIT ?",
        [*params, *kp, limit + 1],
    ).fetchall()
    rows, nxt = page(rows, limit, lambda r: (r["last_seen_at"], r["id"]))
    now = time.time()
    return {"items": [visitor_item(r, rx.tz, now) for r in rows], "next_cursor": nxt}


CONTACT_SELECT = """
SELECT v.id, v.number, v.last_seen_at, p.name, p.email, p.phone, p.notes, p.updated_at
FROM profiles p JOIN visitors v ON v.id = p.visitor_id
"""


def contact_item(row: Any, tz: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "name": row["name"],
        "email": row["email"],
        "phone": row["phone"],
        "notes": row["notes"],
        "updated_at": iso(row["updated_at"], tz),
        "last_seen_at": iso(row["last_seen_at"], tz),
    }


def list_contacts(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Visitors with a profile, most recently updated profile first."""
    check_status(f)
    conds, params = f.where(
        time_col="p.updated_at",
        agent_col="v.presented_agent_id",
        site_col="v.site_id",
        visitor_col="v.id",
    )
    people, people_params = people_condition(rx, f.q, "p.visitor_id")
    if people:
        conds.append(people)
        params.extend(people_params)
    kc, kp = keyset(f, "p.updated_at", "v.id")
    limit = min(f.limit, MAX_LIMIT)
    rows = rx.execute(
        CONTACT_SELECT + and_(conds + kc) + " ORDER BY p.updated_at DESC, v.id DESC LIMIT ?",
        [*params, *kp, limit + 1],
    ).fetchall()
    rows, nxt = page(rows, limit, lambda r: (r["updated_at"], r["id"]))
    return {"items": [contact_item(r, rx.tz) for r in rows], "next_cursor": nxt}


def _location(row: Any) -> dict[str, Any] | None:
    if row["country"] is None and row["city"] is None:
        return None
    return {"country": row["country"], "country_code": row["country_code"], "city": row["city"]}


def profile_of(rx: Rx, visitor_id: int) -> dict[str, Any] | None:
    p = rx.one("SELECT * FROM profiles WHERE visitor_id = ?", (visitor_id,))
    if p is None:
        return None
    return {
        "name": p["name"],
        "email": p["email"],
        "phone": p["phone"],
        "notes": p["notes"],
        "updated_at": iso(p["updated_at"], rx.tz),
    }


DETAIL_LIMIT = 200


def visitor_detail(rx: Rx, visitor_id: int) -> dict[str, Any]:
    """Everything of the session-details screen, the newest 200 of each list."""
    row = rx.one(VISITOR_SELECT + " WHERE v.id = ?", (visitor_id,))
    if row is None:
        raise NotFound("visitor")
    tz = rx.tz
    sessions = [
        {
            "id": s["id"],
            "started_at": iso(s["started_at"], tz),
            "ended_at": iso(s["ended_at"], tz),
            "site": ref(s["site_id"], s["site_name"]),
            "agent": ref(s["presented_agent_id"], s["agent_name"]),
            "ip": s["ip"],
            "user_agent": s["user_agent"],
            "os": s["os"],
            "browser": s["browser"],
            "webrtc": None if s["webrtc"] is None else bool(s["webrtc"]),
            "referrer": s["referrer"],
            "location": _location(s),
        }
        for s in rx.execute(
            "SELECT x.*, s.name AS site_name, a.name AS agent_name FROM sessions x"
            " JOIN sites s ON s.id = x.site_id LEFT JOIN agents a ON a.id = x.presented_agent_id"
            " WHERE x.visitor_id = ? ORDER BY x.started_at DESC, x.id DESC LIMIT ?",
            (visitor_id, DETAIL_LIMIT),
        )
    ]
    page_views = [
        {
            "id": p["id"],
            "session_id": p["session_id"],
            "url": p["url"],
            "title": p["title"],
            "at": iso(p["at"], tz),
        }
        for p in rx.execute(
            "SELECT * FROM page_views WHERE visitor_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            (visitor_id, DETAIL_LIMIT),
        )
    ]
    conversations = [
        item(c, tz)
        for c in rx.execute(
            ITEM_SELECT + " WHERE c.visitor_id = ? ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
            (visitor_id, DETAIL_LIMIT),
        )
    ]
    media = [
        {
            "name": m["media_name"],
            "type": m["media_type"],
            "size": m["media_size"],
            "url": m["media_url"],
            **({} if m["media_id"] is None else {"id": m["media_id"]}),
        }
        for m in rx.execute(
            "SELECT m.media_name, m.media_type, m.media_size, m.media_url, m.media_id"
            " FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.visitor_id = ? AND m.media_url IS NOT NULL ORDER BY m.id DESC LIMIT ?",
            (visitor_id, DETAIL_LIMIT),
        )
    ]
    return {
        "visitor": visitor_item(row, tz, time.time()),
        "profile": profile_of(rx, visitor_id),
        "sessions": sessions,
        "page_views": page_views,
        "conversations": conversations,
        "media": media,
        "location": _location(row),
    }


# -- profiles -----------------------------------------------------------------


def put_profile(tx: Tx, visitor_id: int, fields: dict[str, str | None]) -> dict[str, Any]:
    if tx.execute("SELECT 1 FROM visitors WHERE id = ?", (visitor_id,)).fetchone() is None:
        raise NotFound("visitor")
    tx.execute(
        "INSERT INTO profiles(visitor_id, name, email, phone, notes, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(visitor_id) DO UPDATE SET name = excluded.name,"
        " email = excluded.email, phone = excluded.phone, notes = excluded.notes,"
        " updated_at = excluded.updated_at",
        (
            visitor_id,
            fields.get("name"),
            fields.get("email"),
            fields.get("phone"),
            fields.get("notes"),
            tx.now,
        ),
    )
    tx.execute("UPDATE visitors SET has_profile = 1 WHERE id = ?", (visitor_id,))
    profile = {
        **{k: fields.get(k) for k in ("name", "email", "phone", "notes")},
        "updated_at": iso(tx.now, tx.tz),
    }
    tx.emit("profile.updated", {"visitor_id": visitor_id, "profile": profile})
    return profile


def delete_profile(tx: Tx, visitor_id: int) -> None:
    if tx.execute("SELECT 1 FROM visitors WHERE id = ?", (visitor_id,)).fetchone() is None:
        raise NotFound("visitor")
    cur = tx.execute("DELETE FROM profiles WHERE visitor_id = ?", (visitor_id,))
    if cur.rowcount == 0:
        raise NotFound("profile")
    tx.execute("UPDATE visitors SET has_profile = 0 WHERE id = ?", (visitor_id,))
    tx.emit("profile.deleted", {"visitor_id": visitor_id})
