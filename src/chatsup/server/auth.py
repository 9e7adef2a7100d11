"""Bearer tokens: ≥128 random bits, stored only as SHA-256 digests, looked up
by digest and compared in constant time. Roles: supervisor, agent, visitor."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from chatsup.server.errors import ApiError
from chatsup.server.store import Store
from chatsup.server.store.tokens import digest, token_lookup


@dataclass(frozen=True)
class Principal:
    role: str
    subject_id: int | None
    name: str | None


# A resolved token is remembered this long: a token revoked (`chatsup token
# revoke`, from any process: the store is the one truth) stops working within it.
CACHE_TTL_S = 0.5


class Authenticator:
    """Resolves tokens, remembering a valid one for CACHE_TTL_S (bounded:
    at most `cache_size` entries); refused tokens are never remembered."""

    def __init__(self, store: Store, cache_size: int = 100_000, ttl_s: float = CACHE_TTL_S) -> None:
        self.store = store
        self._cache: dict[bytes, tuple[float, Principal]] = {}
        self._cache_size = cache_size
        self._ttl = ttl_s

    async def resolve(self, token: str | None) -> Principal:
        if not token or len(token) > 200:
            raise ApiError(401, "unauthorized", "a valid bearer token is required")
        d = digest(token)
        now = time.monotonic()
        hit = self._cache.get(d)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = await self.store.read(token_lookup, d)
        if row is None:
            self._cache.pop(d, None)
            raise ApiError(401, "unauthorized", "a valid bearer token is required")
        found = Principal(row["role"], row["subject_id"], row["name"])
        if len(self._cache) >= self._cache_size:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
        self._cache[d] = (now + self._ttl, found)
        return found


def bearer(conn: HTTPConnection) -> str | None:
    """The Authorization header; `?token=` only on a WebSocket (a browser
    cannot set headers there), never on plain HTTP (API.md)."""
    header = conn.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    if conn.scope["type"] == "websocket":
        return conn.query_params.get("token")
    return None


async def require(conn: HTTPConnection, *roles: str) -> Principal:
    auth: Authenticator = conn.app.state.auth
    token = bearer(conn)
    if token is None and conn.scope["type"] == "http" and "token" in conn.query_params:
        raise ApiError(
            401,
            "unauthorized",
            "send the token in the Authorization header (?token= is for WebSockets only)",
            "token",
        )
    p = await auth.resolve(token)
    if p.role not in roles:
        raise ApiError(403, "forbidden", f"this needs a {' or '.join(roles)} token")
    return p
