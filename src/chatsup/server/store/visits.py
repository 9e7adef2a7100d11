"""Visits (sessions) and page views: writes.

A returning visitor seen on the same site within `SESSION_IDLE_S` is on the
same visit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatsup.server.store.agents import agent_name
from chatsup.server.store.errors import NotFound
from chatsup.server.store.tokens import add_token
from chatsup.server.store.tx import Tx
from chatsup.server.store.wire import ref

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
        number = tx.scalar(tx.dialect.next_visitor_number())
        visitor_id = tx.insert(
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
                "UPDATE sessions SET last_seen_at = "
                + tx.dialect.greatest("last_seen_at", "?")
                + " WHERE id = ?",
                (at, recent[0]),
            )
            return {
                "visitor_id": visitor_id,
                "visitor_number": number,
                "session_id": recent[0],
                "continued": True,
            }
    session_id = tx.insert(
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
            "presented_agent": ref(v.presented_agent_id, agent_name(tx, v.presented_agent_id)),
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
    pid = tx.insert(
        "INSERT INTO page_views(session_id, visitor_id, site_id, url, title, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, visitor_id, site_id, url, title, at),
    )
    tx.touch("page_views", at)
    tx.execute(
        "UPDATE visitors SET page_views = page_views + 1, last_seen_at = "
        + tx.dialect.greatest("last_seen_at", "?")
        + " WHERE id = ?",
        (at, visitor_id),
    )
    tx.execute(
        "UPDATE sessions SET last_seen_at = "
        + tx.dialect.greatest("last_seen_at", "?")
        + " WHERE id = ?",
        (at, session_id),
    )
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
