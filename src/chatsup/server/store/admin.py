"""Sites, agents, tokens and the event log."""

from __future__ import annotations

import hmac
from typing import Any

import orjson

from chatsup.server.store.common import MAX_LIMIT, NotFound, iso
from chatsup.server.store.db import Rx


def site_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "domain": r["domain"],
        "key": r["key"],
        "offline_enabled": bool(r["offline_enabled"]),
        "opening_hours": r["opening_hours"],
    }


def list_sites(rx: Rx) -> list[dict[str, Any]]:
    return [site_dict(r) for r in rx.execute("SELECT * FROM sites ORDER BY id")]


def get_site(rx: Rx, site_id: int) -> dict[str, Any]:
    r = rx.one("SELECT * FROM sites WHERE id = ?", (site_id,))
    if r is None:
        raise NotFound("site")
    return site_dict(r)


def site_by_key(rx: Rx, key: str) -> dict[str, Any] | None:
    r = rx.one("SELECT * FROM sites WHERE key = ?", (key,))
    return None if r is None else site_dict(r)


def list_agents(rx: Rx) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "name": r["name"], "email": r["email"], "presence": r["presence"]}
        for r in rx.execute("SELECT id, name, email, presence FROM agents ORDER BY name, id")
    ]


def online_agents(rx: Rx, site_id: int) -> list[dict[str, Any]]:
    """Agents online for a site: those bound to it, or bound to no site."""
    return [
        {"id": r[0], "name": r[1]}
        for r in rx.execute(
            "SELECT a.id, a.name FROM agents a WHERE a.presence = 'online' AND ("
            " EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id AND x.site_id = ?)"
            " OR NOT EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id))"
            " ORDER BY a.id",
            (site_id,),
        )
    ]


def token_lookup(rx: Rx, digest: bytes) -> dict[str, Any] | None:
    r = rx.one("SELECT digest, role, name, subject_id FROM tokens WHERE digest = ?", (digest,))
    if r is None or not hmac.compare_digest(bytes(r["digest"]), digest):
        return None
    return {"role": r["role"], "name": r["name"], "subject_id": r["subject_id"]}


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
    latest = rx.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    return int(pruned or 0), int(latest or 0)
