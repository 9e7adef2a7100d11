"""uvicorn's sans-I/O WebSocket protocol with its writes coalesced: the
frames a socket sends within one turn of the event loop leave in one
`transport.write` (one `send` system call) at the start of the next turn,
instead of one each.

A supervisor's live stream writes every event of a committed batch in one
go (live_sockets.py `_stream`): 36 events were 36 system calls, now one.
Order is kept (one buffer per socket, flushed whole); `close` flushes first,
`abort` drops what is pending (the peer is gone). Flow control is uvicorn's:
its `send` waits while the real transport's buffer is above the high-water
mark, a turn's frames at most later than it would have.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class CoalescedTransport:
    """The part of a transport the protocol writes through; the rest is the
    real transport's."""

    __slots__ = ("_loop", "_pending", "_scheduled", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        pending = self._pending
        if not pending:
            return
        self._pending = []
        if self.transport.is_closing():
            return  # (a lost connection: nothing more can reach the peer)
        self.transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._pending = []
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class CoalescedWebSocketProtocol(WebSocketsSansIOProtocol):
    """`websockets-sansio`, writing through a `CoalescedTransport`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = CoalescedTransport(self.transport, self.loop)  # type: ignore[assignment]
