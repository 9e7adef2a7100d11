"""The clients' HTTP transport: httpx's requests carried by the standard
library's `http.client`, each blocking exchange in a daemon thread.

httpx's own async transport (httpcore over anyio, with h11) cost a console
~30 ms of CPU before its first answers, most of it importing anyio's package
and its asyncio backend, all of it before the first rows (issue 14, P7;
BENCHMARKS.md, "P7, fourth round"). `http.client` is already loaded with httpx (httpx
imports `urllib.request`), speaks HTTP/1.1 itself (keep-alive, chunked
bodies) and needs no event-loop library: a thread per exchange keeps the
loop free. httpx still does everything above the wire (URLs, headers,
content decoding, cookies, timeouts as settings, its exceptions), so the
clients see the same `httpx.Response`s and the same exceptions as before.

Idle connections are kept (keep-alive) per origin, a few at most; a request
whose task is cancelled shuts its socket down, which ends the blocking call
in its thread at once. Proxies from the environment keep going through
httpx's own transport (httpx mounts one for them)."""

from __future__ import annotations

import asyncio
import http.client
import select
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from chatsup.client._httpx import httpx

R = TypeVar("R")

READ_CHUNK = 64 * 1024
WHOLE_BODY = 1024 * 1024  # read in the first hop when the length is known and no more
MAX_IDLE = 8  # idle keep-alive connections kept per origin

_Origin = tuple[str, str, int]


def _timeouts(request: httpx.Request) -> tuple[float | None, float | None, float | None]:
    t = request.extensions.get("timeout") or {}
    return t.get("connect"), t.get("read"), t.get("write")


async def in_thread(fn: Callable[[], R], cancel: Callable[[], None]) -> R:
    """`fn()` in a daemon thread; the loop waits without blocking. Cancelled:
    `cancel()` runs (it must make `fn` return soon) and the result is dropped;
    so is one that comes when nobody waits any more (the loop closed), and
    `cancel()` then runs too. A daemon thread, not the loop's executor: a
    process that quits with an exchange still hanging does not wait for it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[R] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if done.cancelled():
            cancel()
        elif ok:
            done.set_result(value)
        else:
            done.set_exception(value)

    def run() -> None:
        try:
            result: tuple[bool, Any] = (True, fn())
        except BaseException as e:  # handed to the awaiting task
            result = (False, e)
        try:
            loop.call_soon_threadsafe(settle, *result)
        except RuntimeError:  # the loop is closed: nobody waits any more
            cancel()

    threading.Thread(target=run, name="chatsup-http", daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        cancel()
        raise


def _usable(conn: http.client.HTTPConnection) -> bool:
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _headers(request: httpx.Request, length: int) -> list[tuple[str, str]]:
    """The request's headers as sent: a body httpx would have sent chunked
    (an unknown length) is read whole here, so it goes with its length."""
    raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    if any(k.lower() == "transfer-encoding" for k, _ in raw):
        raw = [(k, v) for k, v in raw if k.lower() != "transfer-encoding"]
        raw.append(("Content-Length", str(length)))
    return raw


class _Exchange:
    """One request on one connection, run in a thread step by step."""

    def __init__(self, pool: StdlibTransport, origin: _Origin, request: httpx.Request) -> None:
        self.pool = pool
        self.origin = origin
        self.request = request
        self.conn: http.client.HTTPConnection | None = None
        self.response: http.client.HTTPResponse | None = None
        self.cancelled = False

    def abort(self) -> None:
        """From the loop's thread: the request is not to go out if it has
        not yet (its task was cancelled), and whatever the exchange's thread
        waits on ends now."""
        self.cancelled = True
        conn = self.conn
        sock = conn.sock if conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def drop(self) -> None:
        """Nobody waits for this exchange any more: end it and close its
        connection (the thread closes it too if it still had none here)."""
        self.abort()
        self.close()

    # -- in the thread -------------------------------------------------------------

    def connect(self) -> http.client.HTTPConnection:
        idle = self.pool.take_idle(self.origin)
        if idle is not None:
            return idle
        connect_t, _, _ = _timeouts(self.request)
        scheme, host, port = self.origin
        conn = (
            http.client.HTTPSConnection(
                host, port, timeout=connect_t, context=self.pool.ssl_context()
            )
            if scheme == "https"
            else http.client.HTTPConnection(host, port, timeout=connect_t)
        )
        self.conn = conn
        try:
            conn.connect()
        except TimeoutError as e:
            raise httpx.ConnectTimeout(str(e) or "timed out", request=self.request) from e
        except OSError as e:  # refused, unreachable, no such host, TLS refused
            raise httpx.ConnectError(str(e), request=self.request) from e
        return conn

    def send(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes | None]:
        """Send the request, read the answer's head (and its body, when short
        and of known length): one hop for a usual API call. A failure, or a
        cancel that came meanwhile, closes the connection here: the loop's
        side may have looked for it before this thread had it."""
        try:
            answer = self._send(body)
            if self.cancelled:  # nobody waits for it: the result is dropped
                raise httpx.ReadError("cancelled", request=self.request)
            return answer
        except BaseException:
            self.close()
            raise

    def _send(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes | None]:
        request = self.request
        self.conn = conn = self.connect()
        _, read_t, write_t = _timeouts(request)
        assert conn.sock is not None
        target = request.url.raw_path.decode("ascii")
        if self.cancelled:  # before a byte went out: nothing was asked of the server
            raise httpx.WriteError("cancelled before sending", request=request)
        try:
            conn.sock.settimeout(write_t)
            conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in _headers(request, len(body)):
                conn.putheader(name, value)
            conn.endheaders(body or None)
        except TimeoutError as e:
            raise httpx.WriteTimeout(str(e) or "timed out", request=request) from e
        except (http.client.HTTPException, OSError) as e:  # closed by the server meanwhile
            raise httpx.WriteError(str(e) or type(e).__name__, request=request) from e
        try:
            conn.sock.settimeout(read_t)
            self.response = resp = conn.getresponse()
            length = resp.length
            whole = resp.read() if length is not None and length <= WHOLE_BODY else None
        except TimeoutError as e:
            raise httpx.ReadTimeout(str(e) or "timed out", request=request) from e
        except http.client.RemoteDisconnected as e:
            raise httpx.RemoteProtocolError(str(e), request=request) from e
        except http.client.HTTPException as e:  # a bad status line, a short body
            raise httpx.RemoteProtocolError(str(e) or type(e).__name__, request=request) from e
        except OSError as e:
            raise httpx.ReadError(str(e) or type(e).__name__, request=request) from e
        return resp, whole

    def read(self) -> bytes:
        assert self.response is not None
        try:
            return self.response.read(READ_CHUNK)
        except TimeoutError as e:
            raise httpx.ReadTimeout(str(e) or "timed out", request=self.request) from e
        except http.client.HTTPException as e:
            raise httpx.RemoteProtocolError(str(e) or type(e).__name__, request=self.request) from e
        except OSError as e:
            raise httpx.ReadError(str(e) or type(e).__name__, request=self.request) from e

    def finish(self) -> None:
        """The answer is read whole: keep the connection for the next request
        when the server keeps it open; else close it."""
        resp, conn = self.response, self.conn
        self.conn = None
        if conn is None:
            return
        if resp is not None and resp.isclosed() and not resp.will_close and conn.sock:
            self.pool.put_idle(self.origin, conn)
        else:
            conn.close()


class _Body(httpx.AsyncByteStream):
    """The answer's body as httpx reads it: what came with the head, then
    chunks each read in a thread."""

    def __init__(self, exchange: _Exchange, whole: bytes | None) -> None:
        self.exchange = exchange
        self.whole = whole
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        ex = self.exchange
        if self.whole is not None:
            if self.whole:
                yield self.whole
            return
        while True:
            chunk = await in_thread(ex.read, ex.drop)
            if not chunk:
                return
            yield chunk

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        ex = self.exchange
        resp = ex.response
        if resp is not None and resp.isclosed():
            ex.finish()  # read whole: the connection may serve the next request
        else:
            ex.close()  # left unread: the connection cannot be reused


class StdlibTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncClient(transport=StdlibTransport(verify=...))`. `verify`
    as httpx takes it: True (the CA bundle, loaded at the first https
    request), False, or an `ssl.SSLContext`."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True) -> None:
        self._verify = verify
        self._ssl: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._idle: dict[_Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=self._verify)
        return self._ssl

    def take_idle(self, origin: _Origin) -> http.client.HTTPConnection | None:
        """An idle connection to `origin` still open, or None. One the server
        has closed meanwhile reads as ready (its end of file): dropped, as
        httpcore does."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                conn = idle.pop() if idle else None
            if conn is None or _usable(conn):
                return conn
            conn.close()

    def put_idle(self, origin: _Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < MAX_IDLE:
                idle.append(conn)
                return
        conn.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {scheme!r}", request=request)
        port = url.port or (443 if scheme == "https" else 80)
        body = await request.aread()
        exchange = _Exchange(self, (scheme, url.host, port), request)
        try:
            resp, whole = await in_thread(lambda: exchange.send(body), exchange.drop)
        except BaseException:
            exchange.close()
            raise
        if whole is not None:
            exchange.finish()
        return httpx.Response(
            resp.status,
            # http.client decoded them as latin-1: the bytes as sent
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.getheaders()],
            stream=_Body(exchange, whole),
            extensions={
                "http_version": b"HTTP/1.1" if resp.version == 11 else b"HTTP/1.0",
                "reason_phrase": resp.reason.encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        with self._lock:
            self._closed = True
            idle = [c for conns in self._idle.values() for c in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()
