"""Bearer tokens: ≥128 random bits, stored only as SHA-256 digests, looked up
by digest and compared in constant time. Roles: supervisor, agent, visitor.

Listing and revoking (`chatsup token list`, `chatsup token revoke`): a token
is known by its id, the first hex digits of its digest (the token itself is
never stored). Revoking deletes the row; every server process stops
accepting the token within its authenticator's cache time (auth.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from chatsup.server.store.errors import BadInput
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso

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


ID_CHARS = 12  # the digits `token list` shows
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def list_tokens(rx: Rx, *, visitors: bool = False) -> list[dict[str, Any]]:
    """Supervisor and agent tokens (and visitors' with `visitors`), oldest first."""
    where = "" if visitors else " WHERE role != 'visitor'"
    return [
        {
            "id": bytes(r["digest"]).hex()[:ID_CHARS],
            "role": r["role"],
            "name": r["name"],
            "subject_id": r["subject_id"],
            "created_at": iso(r["created_at"], rx.tz),
        }
        for r in rx.execute(
            "SELECT digest, role, name, subject_id, created_at FROM tokens"
            f"{where} ORDER BY created_at, digest"
        )
    ]


def _matches(tx: Tx, which: str) -> list[bytes]:
    """The digests `which` names: a token id (a hex prefix of the digest, at
    least 4 digits) or a name (supervisor and agent tokens only)."""
    found: list[bytes] = []
    if _HEX.match(which.lower()):
        prefix = which.lower()
        # the matches are contiguous on the primary key from the smallest one
        lo = bytes.fromhex(prefix if len(prefix) % 2 == 0 else prefix + "0")
        found = [
            bytes(r[0])
            for r in tx.execute(
                "SELECT digest FROM tokens WHERE digest >= ? ORDER BY digest LIMIT 2", (lo,)
            )
            if bytes(r[0]).hex().startswith(prefix)
        ]
    if not found:
        found = [
            bytes(r[0])
            for r in tx.execute(
                "SELECT digest FROM tokens WHERE name = ? AND role != 'visitor'", (which,)
            )
        ]
    return found


def revoke(tx: Tx, which: str, token_digest: bytes | None = None, every: bool = False) -> int:
    """Delete the token `digest` (the token itself was given), else the one
    `which` names; a name or prefix naming several is refused unless `every`.
    Returns how many were revoked; none found is a BadInput."""
    targets = [token_digest] if token_digest is not None else _matches(tx, which)
    if len(targets) > 1 and not every:
        raise BadInput("token", f"{which!r} names several tokens; give a longer id, or --all")
    n = 0
    for d in targets:
        n += tx.execute("DELETE FROM tokens WHERE digest = ?", (d,)).rowcount
    if n == 0:
        raise BadInput("token", f"no token {which!r}")
    count = revocations(tx.rx()) + 1
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (REVOCATIONS, str(count)),
    )
    return n


REVOCATIONS = "tokens_revoked"  # meta key: how many revocations ever (socket_guard polls it)


def revocations(rx: Rx) -> int:
    """A counter every revocation moves: open sockets' tokens need checking
    only when it changed (one tiny read a second instead of all of them)."""
    value = rx.scalar("SELECT value FROM meta WHERE key = ?", (REVOCATIONS,))
    return int(value) if value is not None else 0


def live_digests(rx: Rx, digests: list[bytes]) -> set[bytes]:
    """Which of `digests` are still tokens (a revoked token's row is gone)."""
    out: set[bytes] = set()
    for i in range(0, len(digests), 500):
        chunk = digests[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = rx.execute(f"SELECT digest FROM tokens WHERE digest IN ({marks})", chunk)
        out.update(bytes(r[0]) for r in rows.fetchall())
    return out
