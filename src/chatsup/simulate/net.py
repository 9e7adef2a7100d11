"""The simulator's connections: a few HTTP connection pools shared by every
simulated browser (an `httpx.AsyncClient` with its own pool costs ~15 ms and
an SSL context; one over a shared pool, ~0.1 ms and ~3 KB), and the agent and
widget WebSockets."""

from __future__ import annotations

import importlib.util
import sys

import httpx
from websockets.asyncio.client import ClientConnection, connect

from chatsup.client import ws_url
from chatsup.domain.events import Event, parse_event

MAX_FRAME = 1 << 20
POOL_CONNECTIONS = 16  # per pool: httpcore's request assignment is O(connections × queue)

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries `import sniffio` each time it makes a lock; without the
    # package every try scans sys.path (~20% of the simulator's CPU under
    # load). Remember the miss once.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


class Pools:
    """A few small connection pools shared by every simulated browser (one
    big pool spends half the simulator's CPU finding a free connection)."""

    def __init__(self, connections: int) -> None:
        n = max(1, -(-connections // POOL_CONNECTIONS))
        per = max(1, -(-connections // n))
        self.pools = [
            httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=per, max_keepalive_connections=per)
            )
            for _ in range(n)
        ]

    def pick(self, n: int) -> httpx.AsyncHTTPTransport:
        return self.pools[n % len(self.pools)]

    async def aclose(self) -> None:
        for p in self.pools:
            await p.aclose()


class ForwardedFor(httpx.AsyncBaseTransport):
    """One simulated browser's view of a shared pool: every request says it
    comes from `ip` (`X-Forwarded-For`, which the server believes only from a
    trusted proxy, loopback by default: then rate limits and locations are
    per simulated visitor). Closing it leaves the shared pool open."""

    __slots__ = ("ip", "pool")

    def __init__(self, pool: httpx.AsyncBaseTransport, ip: str) -> None:
        self.pool = pool
        self.ip = ip

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Forwarded-For"] = self.ip
        return await self.pool.handle_async_request(request)

    async def aclose(self) -> None:
        pass


async def open_socket(
    base_url: str, path: str, token: str, ip: str | None = None
) -> ClientConnection:
    """A chat WebSocket (`/v1/agent/ws` or `/v1/widget/ws`), token in the header."""
    headers = {"Authorization": f"Bearer {token}"}
    if ip:
        headers["X-Forwarded-For"] = ip
    return await connect(
        ws_url(base_url, path),
        additional_headers=headers,
        compression=None,
        open_timeout=10,
        max_size=MAX_FRAME,
        max_queue=64,
    )


def frame(raw: str | bytes) -> Event | None:
    """An event frame `{id, type, at, data}` as its typed event; None for
    anything else (an ack, a pong, junk)."""
    try:
        return parse_event(raw)
    except ValueError:  # pydantic's ValidationError: no event envelope
        return None
