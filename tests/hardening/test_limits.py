"""Limits on what one client can make the server hold: the raw body of any
request (server.max_body_bytes), the time a request's headers may take
(server.header_timeout_s) and the connections one address may open
(server.max_conns_per_ip). Raw sockets send the half requests."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import World

BIG = 8 << 20  # 8 MiB


def test_a_large_declared_body_is_refused_unread(world: World) -> None:
    with world.http() as c:
        t = time.perf_counter()
        r = c.post(
            "/v1/widget/sessions",
            content=b'{"site_key": "' + b"x" * BIG + b'"}',
            headers={"content-type": "application/json"},
        )
        took = time.perf_counter() - t
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "too_large" and "65536 bytes" in err["message"]
    assert took < 2.0


def test_a_message_of_full_length_fits_the_default_body_limit(world: World) -> None:
    """max_body_chars (10000) of the widest characters, as UTF-8 JSON, is
    under max_body_bytes (64 KiB): 4-byte emoji, and 6-byte escaped controls."""
    v, _ = world.visitor()
    for text in ("\U0001f600" * 10_000, "\x01" * 10_000):
        r = v.post("/v1/widget/messages", json={"body": text})
        assert r.status_code == 201, r.text[:200]
        assert len(r.request.content) > 40_000
    r = v.post("/v1/widget/messages", json={"body": "a" * 10_001})
    assert r.status_code == 413  # the text limit, not the body's


def test_a_large_chunked_body_is_cut_at_the_limit(world: World) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"site_key": "'
        for _ in range(BIG // 65536):
            sent += 65536
            yield b"x" * 65536
        yield b'"}'

    with world.http() as c:
        try:
            r = c.post(
                "/v1/widget/sessions",
                content=chunks(),
                headers={"content-type": "application/json"},
            )
        except httpx.TransportError:  # the server may close before we finish
            return
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large"


def test_the_body_limit_covers_authenticated_routes_and_is_configurable(tmp_path: Path) -> None:
    w = World(tmp_path, server={"max_body_bytes": 2048})
    try:
        v, _ = w.visitor()
        assert v.post("/v1/widget/messages", json={"body": "a" * 1500}).status_code == 201
        r = v.post("/v1/widget/messages", json={"body": "a" * 3000})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        with w.sup() as c:
            r = c.put("/v1/visitors/1/profile", json={"notes": "n" * 4000})
            assert r.status_code == 413
    finally:
        w.close()


def _raw(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def _closed_within(s: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed `s` within `seconds`, and what it said."""
    s.settimeout(seconds)
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return True, got
            got += chunk
    except TimeoutError:
        return False, got
    except ConnectionResetError:
        return True, got


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[World]:
    """A server that trusts no proxy (so loopback counts as one client),
    with short limits."""
    w = World(
        tmp_path,
        server={"header_timeout_s": 1.0, "max_conns_per_ip": 8, "trusted_proxies": []},
    )
    try:
        yield w
    finally:
        w.close()


def test_half_sent_headers_are_closed_after_the_header_timeout(strict: World) -> None:
    port = strict.server.port
    socks = [_raw(port) for _ in range(3)]
    try:
        socks[0].sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # never finished
        socks[1].sendall(b"POST /v1/widget/sessions HTTP/1.1\r\n")
        # socks[2] sends nothing; a fourth dribbles a byte every 50 ms, each
        # byte in time for uvicorn's keep-alive timer, never the whole headers
        t = time.monotonic()
        dribble = _raw(port)
        socks.append(dribble)
        with pytest.raises(OSError):  # the server closes it under the dribbler
            for _ in range(60):
                dribble.sendall(b"X")
                time.sleep(0.05)
        assert 0.9 < time.monotonic() - t < 2.5
        for s in socks[:3]:
            closed, said = _closed_within(s, 3.0)
            assert closed, "a stalled connection was left open"
            assert said == b"" or said.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - t < 4.0
        # a whole request is still answered, and a kept-alive connection
        # idling past the timeout is closed
        with strict.http() as c:
            assert c.get("/v1/health").status_code == 200
    finally:
        for s in socks:
            s.close()


def test_a_slow_request_in_progress_is_not_cut(strict: World) -> None:
    """The deadline covers the headers only: a request whose headers are in
    runs as long as it takes (here a body sent after the deadline)."""
    s = _raw(strict.server.port)
    try:
        body = b'{"site_key": "%s"}' % strict.site_key.encode()
        s.sendall(
            b"POST /v1/widget/sessions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % len(body)
        )
        time.sleep(1.5)
        s.sendall(body)
        s.settimeout(5)
        assert s.recv(4096).startswith(b"HTTP/1.1 201")
    finally:
        s.close()


def test_connections_per_address_are_capped(strict: World) -> None:
    port = strict.server.port
    held = [_raw(port) for _ in range(8)]
    try:
        for s in held:  # headers in, bodies pending: all eight held open
            s.sendall(
                b"POST /v1/widget/sessions HTTP/1.1\r\nHost: x\r\n"
                b"content-type: application/json\r\ncontent-length: 100\r\n\r\n"
            )
        time.sleep(0.2)
        extra = _raw(port)
        closed, said = _closed_within(extra, 2.0)
        extra.close()
        assert closed and said.startswith(b"HTTP/1.1 503"), said
    finally:
        for s in held:
            s.close()
    # once they are gone, the address is welcome again
    deadline = time.monotonic() + 3
    while True:
        try:
            with strict.http() as c:
                assert c.get("/v1/health").status_code == 200
            break
        except (httpx.TransportError, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_websockets_count_against_the_cap_until_they_close(strict: World) -> None:
    from websockets.sync.client import connect

    _, s = strict.visitor()
    url = f"{strict.server.ws_url}/v1/widget/ws?token={s['token']}"
    with contextlib.ExitStack() as stack:
        for _ in range(8):
            stack.enter_context(connect(url))
        extra = _raw(strict.server.port)
        closed, said = _closed_within(extra, 2.0)
        extra.close()
        assert closed and said.startswith(b"HTTP/1.1 503"), said
    time.sleep(0.3)
    with strict.http() as c:
        assert c.get("/v1/health").status_code == 200
