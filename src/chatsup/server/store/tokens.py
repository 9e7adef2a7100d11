"""Bearer tokens: ≥128 random bits, stored only as SHA-256 digests, looked up
by digest and compared in constant time. Roles: supervisor, agent, visitor."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from chatsup.server.store.tx import Rx, Tx

TOKEN_PREFIX = {"supervisor": "sup_", "agent": "agt_", "visitor": "vis_"}


def new_token(role: str) -> str:
    return TOKEN_PREFIX[role] + secrets.token_urlsafe(24)  # 192 random bits


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def add_token(tx: Tx, digest: bytes, role: str, name: str | None, subject_id: int | None) -> None:
    tx.execute(
        "INSERT INTO tokens(digest, role, name, subject_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (digest, role, name, subject_id, tx.now),
    )


def create_token(store: Any, role: str, name: str | None, subject_id: int | None) -> str:
    """A new token for the role, stored (as its digest); returns the token."""
    token = new_token(role)
    store.write_sync(add_token, digest(token), role, name, subject_id)
    return token


def token_lookup(rx: Rx, digest: bytes) -> dict[str, Any] | None:
    r = rx.one("SELECT digest, role, name, subject_id FROM tokens WHERE digest = ?", (digest,))
    if r is None or not hmac.compare_digest(bytes(r["digest"]), digest):
        return None
    return {"role": r["role"], "name": r["name"], "subject_id": r["subject_id"]}
