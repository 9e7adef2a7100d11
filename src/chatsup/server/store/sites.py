"""Sites: reads and writes."""

from __future__ import annotations

import secrets
from typing import Any

from chatsup.server.store.errors import NotFound
from chatsup.server.store.tx import Rx, Tx


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


# -- sites, agents, tokens ----------------------------------------------------


def create_site(tx: Tx, name: str, domain: str, key: str | None = None) -> dict[str, Any]:
    key = key or "site_" + secrets.token_urlsafe(18)
    new_id = tx.insert(
        "INSERT INTO sites(name, domain, key, created_at) VALUES (?, ?, ?, ?)",
        (name, domain, key, tx.now),
    )
    return {"id": new_id, "key": key}


def set_site_offline(tx: Tx, site_id: int, enabled: bool) -> None:
    cur = tx.execute("UPDATE sites SET offline_enabled = ? WHERE id = ?", (int(enabled), site_id))
    if cur.rowcount == 0:
        raise NotFound("site")
    tx.emit("site.updated", {"site_id": site_id, "offline_enabled": enabled})
