"""Bearer tokens: ≥128 random bits, stored only as SHA-256 digests, looked up
by digest and compared in constant time. Roles: supervisor, agent, visitor."""

from __future__ import annotations

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


class Authenticator:
    """Resolves tokens, remembering the ones it has seen (tokens are never
    reassigned, so a cached answer stays true)."""

    def __init__(self, store: Store, cache_size: int = 100_000) -> None:
        self.store = store
        self._cache: dict[bytes, Principal] = {}
        self._cache_size = cache_size

    async def resolve(self, token: str | None) -> Principal:
        if not token or len(token) > 200:
            raise ApiError(401, "unauthorized", "a valid bearer token is required")
        d = digest(token)
        found = self._cache.get(d)
        if found is None:
            row = await self.store.read(token_lookup, d)
            if row is None:
                raise ApiError(401, "unauthorized", "a valid bearer token is required")
            found = Principal(row["role"], row["subject_id"], row["name"])
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[d] = found
        return found


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return conn.query_params.get("token")


async def require(conn: HTTPConnection, *roles: str) -> Principal:
    auth: Authenticator = conn.app.state.auth
    p = await auth.resolve(bearer(conn))
    if p.role not in roles:
        raise ApiError(403, "forbidden", f"this needs a {' or '.join(roles)} token")
    return p
