"""The WebSocket protocol's coalesced writes (server/ws_protocol.py): the
frames of one loop turn leave in one write, in order; close flushes them,
abort drops them, a closing transport gets nothing more. Frames built once
(`text_frame`) are what websockets' own writer makes, and reach a real
client as text. And the server's sockets run on it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from chatsup.server.run import ws_impl
from chatsup.server.ws_protocol import (
    CoalescedTransport,
    CoalescedWebSocketProtocol,
    next_turn,
    text_frame,
)
from tests.harness import World


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


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_frame_built_once_is_websockets_own(size: int) -> None:
    payload = ("é" * size).encode()[:size]
    payload = payload.decode(errors="ignore").encode()  # (whole characters)
    own = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
    assert text_frame(payload) == own


async def test_events_and_replies_reach_a_client_as_text(world: World) -> None:
    """The supervisor's events and the visitor's ack go the pre-built way
    (ws_protocol.write_frame) and arrive as text frames, whole."""
    _, s = world.visitor()
    url = world.server.ws_url
    async with connect(f"{url}/v1/live?token={world.sup_token}") as live:
        async with connect(f"{url}/v1/widget/ws?token={s['token']}") as ws:
            body = "x" * 300  # a frame with a 16-bit length
            await ws.send(json.dumps({"type": "message", "body": body, "client_id": "c"}))
            ack = await asyncio.wait_for(ws.recv(), 20)
            assert isinstance(ack, str) and json.loads(ack)["type"] == "ack"
        while True:
            raw = await asyncio.wait_for(live.recv(), 20)
            assert isinstance(raw, str)
            frame = json.loads(raw)
            if frame.get("type") == "message.created":
                assert frame["data"]["body"] == body
                break


class Pausable(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.reading = True

    def pause_reading(self) -> None:
        self.events.append("pause")
        self.reading = False

    def resume_reading(self) -> None:
        self.events.append("resume")
        self.reading = True


async def _turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_a_pause_resumed_within_a_turn_never_reaches_the_socket() -> None:
    real = Pausable()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    for _ in range(3):
        t.pause_reading()  # a message queued for the application
        await _turns(1)
        t.resume_reading()  # ... which took it in the next turn
        await _turns(3)
    assert real.events == [] and real.reading


async def test_a_pause_not_resumed_pauses_then_resumes() -> None:
    real = Pausable()
    t = CoalescedTransport(real, asyncio.get_running_loop())
    t.pause_reading()
    t.pause_reading()  # (asked again: one pause)
    await _turns(3)
    assert real.events == ["pause"] and not real.reading
    t.pause_reading()
    await _turns(3)
    assert real.events == ["pause"]
    t.resume_reading()
    assert real.events == ["pause", "resume"] and real.reading


async def test_every_socket_of_a_loop_flushes_in_one_handle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sockets written to in one turn are flushed by one callback of the
    loop (ws_protocol.NextTurn), each in one write, in order."""
    loop = asyncio.get_running_loop()
    scheduled: list[object] = []
    call_soon = loop.call_soon

    def counting(cb: Any, *args: Any, **kw: Any) -> asyncio.Handle:
        scheduled.append(cb)
        return call_soon(cb, *args, **kw)

    reals = [Recorder() for _ in range(5)]
    ts = [CoalescedTransport(r, loop) for r in reals]
    monkeypatch.setattr(loop, "call_soon", counting)
    for i, t in enumerate(ts):
        t.write(b"x%d" % i)
        t.write(b"y")
    assert len(scheduled) == 1
    monkeypatch.undo()
    await asyncio.sleep(0)
    assert [r.writes for r in reals] == [[b"x%dy" % i] for i in range(5)]


async def test_a_failing_deferred_call_does_not_stop_the_others() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, ctx: reported.append(ctx))
    try:
        turn = next_turn(loop)
        ran: list[int] = []

        def boom() -> None:
            raise ValueError("boom")

        turn.call(lambda: ran.append(1))
        turn.call(boom)
        turn.call(lambda: ran.append(3))
        await asyncio.sleep(0)
        assert ran == [1, 3]
        assert isinstance(reported[0]["exception"], ValueError)
    finally:
        loop.set_exception_handler(None)
