"""A live socket's heartbeat timer (live_sockets.Quiet): due once the socket
has sent nothing for its interval, counted from the last frame sent, and
one timer a socket, not one set and cancelled an event."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chatsup.server.hub import EventQueue, Published
from chatsup.server.live_sockets import Quiet


def _pub(i: int) -> Published:
    return Published(i, "t", None, {}, b"{}")  # type: ignore[arg-type]


async def test_due_after_the_interval_without_a_frame() -> None:
    q = EventQueue()
    quiet = Quiet(q, 0.05)
    try:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(q.wait(), 2)  # woken by the timer, nothing queued
        assert quiet.due and q.empty()
        assert loop.time() - start >= 0.045
        quiet.sent()
        assert not quiet.due
        await asyncio.wait_for(q.wait(), 2)  # and again, a heartbeat later
        assert quiet.due
    finally:
        quiet.cancel()


async def test_a_frame_sent_puts_it_off() -> None:
    q = EventQueue()
    quiet = Quiet(q, 0.2)
    try:
        for _ in range(4):
            await asyncio.sleep(0.1)
            quiet.sent()  # a frame every 0.1 s: never due
            assert not quiet.due
        loop = asyncio.get_running_loop()
        last = quiet.last
        await asyncio.wait_for(q.wait(), 2)
        assert quiet.due and loop.time() - last >= 0.195
    finally:
        quiet.cancel()


async def test_an_event_ends_the_wait_and_no_timer_is_set_an_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    q = EventQueue()
    quiet = Quiet(q, 15.0)
    loop = asyncio.get_running_loop()
    timers: list[Any] = []
    call_at = loop.call_at

    def counting(when: float, cb: Any, *args: Any, **kw: Any) -> asyncio.TimerHandle:
        timers.append(cb)
        return call_at(when, cb, *args, **kw)

    monkeypatch.setattr(loop, "call_at", counting)
    try:
        for i in range(100):
            waiting = asyncio.ensure_future(q.wait())
            await asyncio.sleep(0)
            q.put_nowait(_pub(i))
            await waiting  # (call_later goes through call_at: counted)
            assert q.get_nowait().id == i
            quiet.sent()
        assert timers == [] and not quiet.due
    finally:
        quiet.cancel()
