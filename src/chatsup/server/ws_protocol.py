"""uvicorn's sans-I/O WebSocket protocol with its writes coalesced: the
frames a socket sends within one turn of the event loop leave in one
`transport.write` (one `send` system call) at the start of the next turn,
instead of one each.

A supervisor's live stream writes every event of a committed batch in one
go (live_sockets.py `_stream`): 36 events were 36 system calls, now one.
Order is kept (one buffer per socket, flushed whole); `close` flushes first,
`abort` drops what is pending (the peer is gone). Every socket of a loop
shares one callback a turn for this (`NextTurn`): a commit's event goes to
five supervisors' sockets in one handle of the loop, not five. Flow control is uvicorn's:
its `send` waits while the real transport's buffer is above the high-water
mark, a turn's frames at most later than it would have.

Frames built once (`text_frame`, `write_frame`): a server's text frame is
the same bytes on every socket (no mask, no extension: per-message deflate
is off, run.py), so an event going to every supervisor is framed once and
its bytes queued on each socket directly, not through Starlette's
`send_text`, uvicorn's `send` and websockets' frame writer once a socket.
The protocol offers itself in the ASGI scope's extensions (`FRAMES`);
`write_frame` declines (the caller sends through ASGI, which waits or
raises as it always did) unless the socket is open and writable.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

FRAMES = "chatsup.frames"  # the key of the protocol in the scope's extensions


def text_frame(payload: bytes) -> bytes:
    """`payload` (UTF-8 text) as a server's WebSocket frame: final, text,
    unmasked (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


class NextTurn:
    """Calls run at the next turn of one loop, all in one handle of the
    loop (one `call_soon`), in the order they were asked for: the flushes
    and deferred pauses of every socket of the loop. A call asked for while
    they run goes to the turn after. One that raises does not stop the
    others (the loop's exception handler reports it)."""

    __slots__ = ("_due", "_loop", "_scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: list[Callable[[], None]] = []
        self._scheduled = False

    def call(self, fn: Callable[[], None]) -> None:
        self._due.append(fn)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        due, self._due = self._due, []
        for fn in due:
            try:
                fn()
            except Exception as e:
                self._loop.call_exception_handler(
                    {"message": "a deferred socket call failed", "exception": e}
                )


_TURN_ATTR = "_chatsup_next_turn"


def next_turn(loop: asyncio.AbstractEventLoop) -> NextTurn:
    """The loop's `NextTurn` (one a loop, kept on it: it goes with the loop)."""
    turn: NextTurn | None = getattr(loop, _TURN_ATTR, None)
    if turn is None:
        turn = NextTurn(loop)
        try:
            setattr(loop, _TURN_ATTR, turn)
        except AttributeError:  # (a loop that takes no attribute: this socket's own)
            pass
    return turn


class CoalescedTransport:
    """The part of a transport the protocol writes through and pauses; the
    rest is the real transport's.

    Pauses: uvicorn pauses reading after every message it queues for the
    application and resumes once the application has taken them all: two
    epoll_ctl system calls for each batch of frames read, though the
    application takes them in the very next turn. Here a pause takes effect
    after the next turn of the loop, unless a resume came first: an
    application that keeps up never pauses the socket; one that does not
    is paused a turn later (at most two more reads of the socket queued,
    256 KiB each by asyncio's selector transport).
    """

    __slots__ = (
        "_pause_due",
        "_pause_wanted",
        "_paused",
        "_pending",
        "_scheduled",
        "_turn",
        "transport",
    )

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._turn = next_turn(loop)
        self._pending: list[bytes] = []
        self._scheduled = False
        self._pause_wanted = False  # the protocol asked for a pause, not resumed since
        self._pause_due = False  # a pause is scheduled
        self._paused = False  # the real transport is paused

    def pause_reading(self) -> None:
        self._pause_wanted = True
        if not self._pause_due and not self._paused:
            self._pause_due = True
            self._turn.call(self._pause_after_turn)

    def _pause_after_turn(self) -> None:
        # (scheduled in the turn that asked: this runs in the next one, and
        # one more call_soon puts the pause after what that turn runs)
        self._turn.call(self._pause_now)

    def _pause_now(self) -> None:
        self._pause_due = False
        if self._pause_wanted and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        self._pause_wanted = False
        if self._paused:
            self._paused = False
            self.transport.resume_reading()

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._turn.call(self.flush)

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

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # (none when the handshake was refused)
        if scope is not None:
            scope["extensions"][FRAMES] = self

    def write_frame(self, frame: bytes) -> bool:
        """Queue a frame built by `text_frame` (or several, joined); False
        (nothing written) when it cannot go this way: not open, closing,
        paused, or an extension negotiated."""
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.conn.extensions
        ):
            return False
        self.transport.write(frame)
        return True
