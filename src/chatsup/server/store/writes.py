"""Every write the server makes, as functions run on the store's writer thread.

Each takes a `Tx` first; each appends the events a supervisor's live view
needs in the same transaction, so the log and the data never disagree.
`at` arguments let the demo seeder write history; live traffic uses `tx.now`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from chatsup.server.store.common import BadInput, NotFound, iso, ref
from chatsup.server.store.conversations import conversation_item
from chatsup.server.store.db import Rx, Tx


def _rx(tx: Tx) -> Rx:
    return Rx(tx.conn, tx.tz)


def _agent_name(tx: Tx, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    row = tx.execute("SELECT name FROM agents WHERE id = ?", (agent_id,)).fetchone()
    return None if row is None else row[0]


# -- sites, agents, tokens ----------------------------------------------------


def create_site(tx: Tx, name: str, domain: str, key: str | None = None) -> dict[str, Any]:
    key = key or "site_" + secrets.token_urlsafe(18)
    cur = tx.execute(
        "INSERT INTO sites(name, domain, key, created_at) VALUES (?, ?, ?, ?)",
        (name, domain, key, tx.now),
    )
    return {"id": cur.lastrowid, "key": key}


def set_site_offline(tx: Tx, site_id: int, enabled: bool) -> None:
    cur = tx.execute("UPDATE sites SET offline_enabled = ? WHERE id = ?", (int(enabled), site_id))
    if cur.rowcount == 0:
        raise NotFound("site")
    tx.emit("site.updated", {"site_id": site_id, "offline_enabled": enabled})


def create_agent(tx: Tx, name: str, email: str) -> int:
    exists = tx.execute("SELECT 1 FROM agents WHERE email = ?", (email,)).fetchone()
    if exists:
        raise BadInput("email", "an agent with this email exists")
    cur = tx.execute(
        "INSERT INTO agents(name, email, created_at) VALUES (?, ?, ?)", (name, email, tx.now)
    )
    return int(cur.lastrowid or 0)


def set_presence(tx: Tx, agent_id: int, presence: str) -> None:
    row = tx.execute("SELECT presence FROM agents WHERE id = ?", (agent_id,)).fetchone()
    if row is None:
        raise NotFound("agent")
    if row[0] == presence:
        return
    tx.execute(
        "UPDATE agents SET presence = ?, presence_at = ? WHERE id = ?", (presence, tx.now, agent_id)
    )
    tx.emit(
        "agent.presence",
        {"agent_id": agent_id, "name": _agent_name(tx, agent_id), "presence": presence},
    )


def reset_presence(tx: Tx) -> int:
    """At start-up: nobody is connected yet, so nobody is online."""
    ids = [r[0] for r in tx.execute("SELECT id FROM agents WHERE presence != 'offline'")]
    for agent_id in ids:
        set_presence(tx, agent_id, "offline")
    return len(ids)


def add_token(tx: Tx, digest: bytes, role: str, name: str | None, subject_id: int | None) -> None:
    tx.execute(
        "INSERT INTO tokens(digest, role, name, subject_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (digest, role, name, subject_id, tx.now),
    )


# -- visits -------------------------------------------------------------------


# A returning visitor seen on the same site within this many seconds is on the
# same visit (session), as web analytics count it.
SESSION_IDLE_S = 1800.0


@dataclass(frozen=True)
class Visit:
    site_id: int
    visitor_id: int | None  # a returning visitor, or None for a new one
    ip: str | None = None
    user_agent: str | None = None
    os: str | None = None
    browser: str | None = None
    webrtc: bool | None = None
    referrer: str | None = None
    country: str | None = None
    country_code: str | None = None
    city: str | None = None
    presented_agent_id: int | None = None
    token_digest: bytes | None = None  # a new visitor's token
    at: float | None = None


def start_session(tx: Tx, v: Visit) -> dict[str, Any]:
    at = tx.now if v.at is None else v.at
    webrtc = None if v.webrtc is None else int(v.webrtc)
    visitor_id = v.visitor_id
    if visitor_id is None:
        number = tx.execute("SELECT coalesce(max(number), 0) + 1 FROM visitors").fetchone()[0]
        cur = tx.execute(
            "INSERT INTO visitors(number, first_seen_at, last_seen_at, site_id, presented_agent_id,"
            " ip, country, country_code, city, os, browser, webrtc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                at,
                at,
                v.site_id,
                v.presented_agent_id,
                v.ip,
                v.country,
                v.country_code,
                v.city,
                v.os,
                v.browser,
                webrtc,
            ),
        )
        visitor_id = int(cur.lastrowid or 0)
        if v.token_digest is not None:
            add_token(tx, v.token_digest, "visitor", None, visitor_id)
    else:
        row = tx.execute("SELECT number FROM visitors WHERE id = ?", (visitor_id,)).fetchone()
        if row is None:
            raise NotFound("visitor")
        number = row[0]
        tx.execute(
            "UPDATE visitors SET last_seen_at = ?, site_id = ?, presented_agent_id = ?, ip = ?,"
            " country = ?, country_code = ?, city = ?, os = ?, browser = ?,"
            " webrtc = coalesce(?, webrtc) WHERE id = ?",
            (
                at,
                v.site_id,
                v.presented_agent_id,
                v.ip,
                v.country,
                v.country_code,
                v.city,
                v.os,
                v.browser,
                webrtc,
                visitor_id,
            ),
        )
    if v.visitor_id is not None:
        recent = tx.execute(
            "SELECT id FROM sessions WHERE visitor_id = ? AND site_id = ? AND last_seen_at > ?"
            " ORDER BY id DESC LIMIT 1",
            (visitor_id, v.site_id, at - SESSION_IDLE_S),
        ).fetchone()
        if recent is not None:  # the same visit, another page
            tx.execute(
                "UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?",
                (at, recent[0]),
            )
            return {
                "visitor_id": visitor_id,
                "visitor_number": number,
                "session_id": recent[0],
                "continued": True,
            }
    cur = tx.execute(
        "INSERT INTO sessions(visitor_id, site_id, started_at, last_seen_at, ip, user_agent, os,"
        " browser, webrtc, referrer, country, country_code, city, presented_agent_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            visitor_id,
            v.site_id,
            at,
            at,
            v.ip,
            v.user_agent,
            v.os,
            v.browser,
            webrtc,
            v.referrer,
            v.country,
            v.country_code,
            v.city,
            v.presented_agent_id,
        ),
    )
    session_id = int(cur.lastrowid or 0)
    tx.touch("sessions", at)
    tx.emit(
        "session.started",
        {
            "session_id": session_id,
            "visitor_id": visitor_id,
            "visitor_number": number,
            "site_id": v.site_id,
            "os": v.os,
            "browser": v.browser,
            "country": v.country,
            "presented_agent": ref(v.presented_agent_id, _agent_name(tx, v.presented_agent_id)),
            "returning": v.visitor_id is not None,
        },
        at,
    )
    return {"visitor_id": visitor_id, "visitor_number": number, "session_id": session_id}


def add_pageview(
    tx: Tx, session_id: int, url: str, title: str | None, at: float | None = None
) -> int:
    at = tx.now if at is None else at
    row = tx.execute(
        "SELECT visitor_id, site_id FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    if row is None:
        raise NotFound("session")
    visitor_id, site_id = row
    cur = tx.execute(
        "INSERT INTO page_views(session_id, visitor_id, site_id, url, title, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, visitor_id, site_id, url, title, at),
    )
    tx.execute(
        "UPDATE visitors SET page_views = page_views + 1, last_seen_at = max(last_seen_at, ?)"
        " WHERE id = ?",
        (at, visitor_id),
    )
    tx.execute(
        "UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?", (at, session_id)
    )
    pid = int(cur.lastrowid or 0)
    tx.touch("page_views", at)
    tx.emit(
        "pageview.created",
        {
            "id": pid,
            "session_id": session_id,
            "visitor_id": visitor_id,
            "site_id": site_id,
            "url": url,
            "title": title,
        },
        at,
    )
    return pid


# -- messages -----------------------------------------------------------------


@dataclass(frozen=True)
class NewMessage:
    body: str
    media: dict[str, Any] | None = None
    client_key: str | None = None
    at: float | None = None


def _existing(tx: Tx, client_key: str | None) -> dict[str, Any] | None:
    """The message a retried send already stored (idempotent sends)."""
    if client_key is None:
        return None
    row = tx.execute(
        "SELECT id, conversation_id, event_id FROM messages WHERE client_key = ?", (client_key,)
    ).fetchone()
    if row is None:
        return None
    first = tx.execute(
        "SELECT min(id) FROM messages WHERE conversation_id = ?", (row[1],)
    ).fetchone()[0]
    return {
        "conversation_id": row[1],
        "message_id": row[0],
        "event_id": row[2],
        "started": first == row[0],
        "duplicate": True,
    }


def _insert_message(
    tx: Tx,
    conversation_id: int,
    sender: str,
    agent_id: int | None,
    m: NewMessage,
    at: float,
    response_s: float | None,
) -> int:
    media = m.media or {}
    cur = tx.execute(
        "INSERT INTO messages(conversation_id, sender, agent_id, body, at, media_name, media_type,"
        " media_size, media_url, response_s, client_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            sender,
            agent_id,
            m.body,
            at,
            media.get("name"),
            media.get("type"),
            media.get("size"),
            media.get("url"),
            response_s,
            m.client_key,
        ),
    )
    return int(cur.lastrowid or 0)


def _message_event(
    tx: Tx,
    conversation_id: int,
    message_id: int,
    sender: str,
    agent_id: int | None,
    m: NewMessage,
    at: float,
) -> int | None:
    item = conversation_item(_rx(tx), conversation_id)  # its visitor and site too: one query
    eid = tx.emit(
        "message.created",
        {
            "conversation_id": conversation_id,
            "message_id": message_id,
            "sender": sender,
            "agent": ref(agent_id, _agent_name(tx, agent_id)),
            "body": m.body,
            "media": m.media,
            "at": iso(at, tx.tz),
            "visitor": item["visitor"],
            "site": item["site"],
            "conversation": item,
        },
        at,
    )
    if m.client_key is not None and eid is not None:
        tx.execute("UPDATE messages SET event_id = ? WHERE id = ?", (eid, message_id))
    return eid


def visitor_message(
    tx: Tx, visitor_id: int, session_id: int | None, site_id: int, m: NewMessage
) -> dict[str, Any]:
    """A visitor's message; the first one opens a conversation."""
    again = _existing(tx, m.client_key)
    if again:
        return again
    at = tx.now if m.at is None else m.at
    row = tx.execute(
        "SELECT id, pending_since, first_visitor_at FROM conversations"
        " WHERE visitor_id = ? AND site_id = ? AND ended_at IS NULL"
        " AND session_id IS ? ORDER BY id DESC LIMIT 1",
        (visitor_id, site_id, session_id),
    ).fetchone()
    started = row is None
    if started:
        cur = tx.execute(
            "INSERT INTO conversations(visitor_id, site_id, session_id, started_at,"
            " first_visitor_at, pending_since) VALUES (?, ?, ?, ?, ?, ?)",
            (visitor_id, site_id, session_id, at, at, at),
        )
        conversation_id = int(cur.lastrowid or 0)
    else:
        conversation_id = row[0]
    mid = _insert_message(tx, conversation_id, "visitor", None, m, at, None)
    tx.touch("conversations", at if row is None else row["first_visitor_at"])
    tx.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        " visitor_messages = visitor_messages + 1, last_message_id = ?,"
        " first_visitor_at = coalesce(first_visitor_at, ?),"
        " pending_since = coalesce(pending_since, ?) WHERE id = ?",
        (mid, at, at, conversation_id),
    )
    tx.execute(
        "UPDATE visitors SET last_seen_at = max(last_seen_at, ?) WHERE id = ?", (at, visitor_id)
    )
    if started:
        tx.emit("conversation.started", conversation_item(_rx(tx), conversation_id), at)
    eid = _message_event(tx, conversation_id, mid, "visitor", None, m, at)
    return {
        "conversation_id": conversation_id,
        "message_id": mid,
        "event_id": eid,
        "started": started,
    }


def agent_message(tx: Tx, agent_id: int, conversation_id: int, m: NewMessage) -> dict[str, Any]:
    """An agent's message; the first one assigns an unassigned conversation.

    First response time and per-turn response times are computed here, once,
    by the metric definitions of ARCHITECTURE.md.
    """
    again = _existing(tx, m.client_key)
    if again:
        return again
    at = tx.now if m.at is None else m.at
    row = tx.execute(
        "SELECT agent_id, first_visitor_at, first_response_s, pending_since, ended_at"
        " FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if row is None:
        raise NotFound("conversation")
    if row["ended_at"] is not None:
        raise BadInput("conversation_id", "the conversation has ended")
    response_s = None if row["pending_since"] is None else max(0.0, at - row["pending_since"])
    first = row["first_response_s"]
    if first is None and row["first_visitor_at"] is not None:
        first = max(0.0, at - row["first_visitor_at"])
    mid = _insert_message(tx, conversation_id, "agent", agent_id, m, at, response_s)
    tx.touch("messages", row["pending_since"])
    tx.touch("conversations", row["first_visitor_at"])
    tx.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        " agent_messages = agent_messages + 1, last_message_id = ?, first_response_s = ?,"
        " pending_since = NULL, agent_id = coalesce(agent_id, ?) WHERE id = ?",
        (mid, first, agent_id, conversation_id),
    )
    if row["agent_id"] is None:
        tx.emit(
            "conversation.assigned",
            {
                "conversation_id": conversation_id,
                "agent": ref(agent_id, _agent_name(tx, agent_id)),
                "conversation": conversation_item(_rx(tx), conversation_id),
            },
            at,
        )
    eid = _message_event(tx, conversation_id, mid, "agent", agent_id, m, at)
    return {"conversation_id": conversation_id, "message_id": mid, "event_id": eid}


def end_conversation(tx: Tx, conversation_id: int, at: float | None = None) -> bool:
    at = tx.now if at is None else at
    cur = tx.execute(
        "UPDATE conversations SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
        (at, conversation_id),
    )
    if cur.rowcount == 0:
        exists = tx.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,))
        if exists.fetchone() is None:
            raise NotFound("conversation")
        return False
    row = tx.execute(
        "SELECT visitor_id, agent_id FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    tx.emit(
        "conversation.ended",
        {
            "conversation_id": conversation_id,
            "visitor_id": row[0],
            "agent_id": row[1],
            "at": iso(at, tx.tz),
            "conversation": conversation_item(_rx(tx), conversation_id),
        },
        at,
    )
    return True


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
    cur = tx.execute(
        "INSERT INTO offline_messages(site_id, visitor_id, name, email, phone, body, at,"
        " handled_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (site_id, visitor_id, name, email, phone, body, at, handled_by, status),
    )
    oid = int(cur.lastrowid or 0)
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


def _call_event(tx: Tx, call_id: int) -> None:
    row = tx.execute(
        "SELECT c.*, a.name AS agent_name FROM calls c LEFT JOIN agents a ON a.id = c.agent_id"
        " WHERE c.id = ?",
        (call_id,),
    ).fetchone()
    duration = None
    if row["answered_at"] is not None and row["ended_at"] is not None:
        duration = row["ended_at"] - row["answered_at"]
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
    cur = tx.execute(
        "INSERT INTO calls(conversation_id, visitor_id, agent_id, started_at, state)"
        " VALUES (?, ?, ?, ?, 'ringing')",
        (conversation_id, visitor_id, agent_id, at),
    )
    cid = int(cur.lastrowid or 0)
    _call_event(tx, cid)
    return cid


# Allowed call state changes: ringing → answered/missed/rejected/failed;
# answered → ended/failed. Terminal states take no further change.
CALL_MOVES: dict[str, set[str]] = {
    "ringing": {"answered", "missed", "rejected", "failed"},
    "answered": {"ended", "failed"},
}


def update_call(
    tx: Tx,
    call_id: int,
    state: str,
    end_reason: str | None,
    agent_id: int | None = None,
    at: float | None = None,
) -> dict[str, Any]:
    at = tx.now if at is None else at
    row = tx.execute("SELECT state FROM calls WHERE id = ?", (call_id,)).fetchone()
    if row is None:
        raise NotFound("call")
    if state not in CALL_MOVES.get(row[0], set()):
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
    cur = tx.execute(
        "INSERT INTO sms(visitor_id, agent_id, phone, body, at) VALUES (?, ?, ?, ?, ?)",
        (visitor_id, agent_id, phone, body, at),
    )
    sid = int(cur.lastrowid or 0)
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
    cur = tx.execute(
        "INSERT INTO callbacks(visitor_id, agent_id, phone, requested_at, scheduled_for, status)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (visitor_id, agent_id, phone, at, scheduled_for, status),
    )
    cid = int(cur.lastrowid or 0)
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


# -- event log retention ------------------------------------------------------


def prune_events(tx: Tx, older_than: float) -> int:
    """Drop events older than the retention; remembers where the log starts."""
    row = tx.execute("SELECT max(id) FROM events WHERE at < ?", (older_than,)).fetchone()
    if row[0] is None:
        return 0
    cur = tx.execute("DELETE FROM events WHERE id <= ?", (row[0],))
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('events_pruned_through', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = max(CAST(value AS INTEGER), excluded.value)",
        (str(row[0]),),
    )
    return cur.rowcount
