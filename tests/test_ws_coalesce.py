"""The WebSocket protocol's coalesced writes (server/ws_protocol.py): the
frames of one loop turn leave in one write, in order; close flushes them,
abort drops them, a closing transport gets nothing more. And the server's
sockets run on it."""

from __future__ import annotations

import asyncio

from chatsup.server.run import ws_impl
from chatsup.server.ws_protocol import CoalescedTransport, CoalescedWebSocketProtocol


class Recorder(asyncio.Transport):
    """What reaches the real transport."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = False
        self.events: list[str] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.events.append("close")
        self.closing = True

    def abort(self) -> None:
        self.events.append("abort")
        self.closing = True

    def get_write_buffer_size(self) -> int:
        return 7


async def test_one_write_per_turn_in_order() -> None:
    real = Recorder()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    for frame in (b"a", b"bb", b"", b"ccc"):
        t.write(frame)
    assert real.writes == []  # not before the turn ends
    await asyncio.sleep(0)
    assert real.writes == [b"abbccc"]
    t.write(b"d")
    await asyncio.sleep(0)
    assert real.writes == [b"abbccc", b"d"]
    assert t.get_write_buffer_size() == 7  # the rest is the real transport's


async def test_close_flushes_abort_drops() -> None:
    real = Recorder()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    t.write(b"bye")
    t.close()
    assert real.writes == [b"bye"] and real.events == ["close"]
    await asyncio.sleep(0)
    assert real.writes == [b"bye"]  # flushed once

    real = Recorder()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    t.write(b"lost")
    t.abort()
    await asyncio.sleep(0)
    assert real.writes == [] and real.events == ["abort"]


async def test_nothing_after_the_connection_is_lost() -> None:
    real = Recorder()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    t.write(b"late")
    real.closing = True
    await asyncio.sleep(0)
    assert real.writes == []


def test_the_server_uses_it() -> None:
    assert ws_impl() is CoalescedWebSocketProtocol
