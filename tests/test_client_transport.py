"""The clients' transport (chatsup.client.transport: httpx over http.client,
each exchange in a thread): keep-alive against the real server, a connection
the server closed meanwhile, a large streamed answer, and what a peer that
never answers does to a request (a timeout, a cancel that ends at once, and
a cancelled request that never goes out)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatsup.client import Filters, SupervisorClient, Unreachable, WidgetClient
from chatsup.client._httpx import httpx
from chatsup.client.transport import StdlibTransport, _Exchange
from tests.harness import World


@contextmanager
def silent_peer() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP peer that accepts connections, keeps what it is sent, and never
    answers: its URL and the bytes received on each connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    got: list[bytes] = []
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                for c in conns:
                    try:
                        c.setblocking(False)
                        data = c.recv(65536)
                        if data:
                            got.append(data)
                    except BlockingIOError:
                        pass
                    except OSError:
                        pass
                continue
            conns.append(conn)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", got
    finally:
        stop.set()
        t.join()
        for c in conns:
            c.close()
        server.close()


def idle_count(client: SupervisorClient) -> int:
    transport = client._http._transport
    assert isinstance(transport, StdlibTransport)
    return sum(len(v) for v in transport._idle.values())


async def test_keep_alive_reuses_one_connection(world: World) -> None:
    async with SupervisorClient(world.url, world.sup_token) as api:
        for _ in range(3):
            assert (await api.health()).status == "ok"
            assert idle_count(api) == 1  # the same connection, back in the pool
        # five at once: five connections, all kept afterwards
        await asyncio.gather(*(api.health() for _ in range(5)))
        assert idle_count(api) == 5


async def test_a_connection_the_server_closed_is_not_reused(world: World) -> None:
    async with SupervisorClient(world.url, world.sup_token) as api:
        await api.health()
        transport = api._http._transport
        assert isinstance(transport, StdlibTransport)
        (conn,) = [c for v in transport._idle.values() for c in v]
        assert conn.sock is not None
        conn.sock.shutdown(socket.SHUT_RD)  # reads as the server's end of file
        # a PATCH is not retried (client.base): sent on the stale connection
        # it would fail; it goes on a new one
        site = await api.set_offline_enabled(world.site_id, False)
        assert site.offline_enabled is False
        assert conn.sock is None  # the stale one was closed


async def test_streamed_answer_arrives_whole(world: World, tmp_path: Path) -> None:
    """An export is streamed (chunked, read in pieces in threads): the file
    is byte for byte what a plain GET returns."""
    async with WidgetClient(world.url) as w:
        await w.start_session(world.site_key)
        for i in range(10):
            await w.send(f"line {i} " + "x" * 9000)
    async with SupervisorClient(world.url, world.sup_token) as api:
        dest = tmp_path / "messages.csv"
        size = await api.export("conversations", "csv", Filters(), dest)
    with world.sup() as c:
        r = c.get("/v1/export/conversations", params={"format": "csv"})
    assert r.headers.get("transfer-encoding") == "chunked"  # no length: read in pieces
    assert size == len(r.content) > 80_000 and dest.read_bytes() == r.content


async def test_no_answer_in_time_is_unreachable() -> None:
    with silent_peer() as (url, _):
        async with SupervisorClient(url, "tok", timeout=0.3) as api:
            t0 = time.monotonic()
            with pytest.raises(Unreachable) as info:
                await api.health()
            assert "no answer in time (ReadTimeout)" in str(info.value)
            assert time.monotonic() - t0 < 2.0


async def test_a_cancelled_request_ends_at_once() -> None:
    """Cancelled while its thread waits for the answer: the task ends now,
    and the thread too (its socket is shut down), not at the timeout."""
    earlier = set(threading.enumerate())  # (other tests' threads in this process)
    with silent_peer() as (url, got):
        async with SupervisorClient(url, "tok", timeout=30) as api:
            task = asyncio.ensure_future(api.health())
            while not got:  # the request reached the peer
                await asyncio.sleep(0.01)
            t0 = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - t0 < 0.5
            deadline = time.monotonic() + 2
            while any(t.name == "chatsup-http" and t not in earlier for t in threading.enumerate()):
                assert time.monotonic() < deadline, "the exchange's thread still waits"
                await asyncio.sleep(0.01)


def test_a_request_cancelled_before_it_went_out_is_not_sent() -> None:
    """The exchange's thread checks, once connected, whether its task was
    cancelled meanwhile: then nothing is sent."""
    with silent_peer() as (url, got):
        transport = StdlibTransport()
        request = httpx.Request("POST", url + "/v1/x", json={"a": 1})
        request.extensions["timeout"] = {"connect": 1, "read": 0.2, "write": 1}
        origin = ("http", request.url.host, request.url.port or 80)
        exchange = _Exchange(transport, origin, request)
        exchange.abort()  # what a cancel does, here before the thread connects
        with pytest.raises(httpx.WriteError):
            exchange.send(request.read())
        exchange.close()
        time.sleep(0.3)
        assert got == []
        fresh = _Exchange(transport, origin, request)  # the same, not cancelled: sent
        with pytest.raises(httpx.ReadTimeout):
            fresh.send(request.read())
        fresh.close()
        time.sleep(0.3)
        assert got and got[0].startswith(b"POST /v1/x HTTP/1.1")


def open_sockets() -> int:
    import os

    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


async def test_cancelled_requests_leave_no_socket_open(world: World) -> None:
    """Cancelled at every moment of an exchange (before its thread took a
    connection, while it sends, while it waits): each connection is closed
    or back in the pool, none left to the garbage collector."""
    import gc

    before = open_sockets()
    async with SupervisorClient(world.url, world.sup_token) as api:
        await api.health()  # one connection in the pool
        for i in range(40):
            task = asyncio.ensure_future(api.conversations())
            for _ in range(i % 8):
                await asyncio.sleep(0)
            await asyncio.sleep(0.0005 * (i // 8))
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        deadline = time.monotonic() + 5
        while any(t.name == "chatsup-http" for t in threading.enumerate()):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert (await api.health()).status == "ok"  # the pool still serves
    gc.collect()  # a socket left to it warns (ResourceWarning: an error here)
    deadline = time.monotonic() + 3  # the server's ends close when it reads ours
    while open_sockets() > before:
        assert time.monotonic() < deadline, (open_sockets(), before)
        await asyncio.sleep(0.02)
