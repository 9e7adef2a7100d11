"""Open WebSockets by their token: a token revoked while its socket is open
(`chatsup token revoke`, from any process) closes that socket.

Every `CHECK_S` one task reads the store's revocation counter (one row);
when it moved, every open socket's token is looked up (500 a query), else
only those of the sockets opened since the last check (a token revoked just
before its socket opened, still in the authenticator's 0.5 s cache). A
socket whose token is gone is closed with 1008 `revoked`, about `CHECK_S`
after the revocation. One task for every socket, not a timer each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket

from chatsup.server.store import Store
from chatsup.server.store.tokens import digest, live_digests, revocations

log = logging.getLogger(__name__)

CHECK_S = 1.0
REVOKED = 1008  # policy violation, as a refused token at connect


class SocketGuard:
    def __init__(self, store: Store, check_s: float = CHECK_S) -> None:
        self.store = store
        self.check_s = check_s
        self._open: dict[bytes, set[WebSocket]] = {}
        self._fresh: set[bytes] = set()  # tokens of sockets opened since the last check
        self._seen: int | None = None  # the revocation counter at the last full check

    def watch(self, token: str, ws: WebSocket) -> bytes:
        """Close `ws` when `token` is revoked; returns the key for `forget`."""
        d = digest(token)
        self._open.setdefault(d, set()).add(ws)
        self._fresh.add(d)
        return d

    def forget(self, key: bytes, ws: WebSocket) -> None:
        sockets = self._open.get(key)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self._open[key]

    @property
    def watched(self) -> int:
        return sum(len(s) for s in self._open.values())

    async def check(self) -> int:
        """Close the sockets whose token is gone; returns how many."""
        fresh, self._fresh = self._fresh, set()
        if not self._open:
            return 0
        count = await self.store.read(revocations)
        if count != self._seen:
            self._seen = count
            keys = list(self._open)
        else:
            keys = [k for k in fresh if k in self._open]
        if not keys:
            return 0
        alive = await self.store.read(live_digests, keys)
        closed = 0
        for key in keys:
            if key in alive:
                continue
            for ws in list(self._open.pop(key, ())):
                closed += 1
                with contextlib.suppress(Exception):
                    await ws.close(code=REVOKED, reason="revoked")
        return closed

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.check_s)
            try:
                n = await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a busy or failing store: try again next time
                log.warning("checking open sockets' tokens failed: %s", str(e)[:200])
                continue
            if n:
                log.info("closed %d socket(s) of revoked tokens", n)
