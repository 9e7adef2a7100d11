"""The supervisor's live stream (`WS /v1/live?after=ID`) as one endless async
iterator that reconnects on its own.

`LiveClient.events()` yields every `Event` in id order with no duplicate (an
event whose id is not above `last_id` is dropped) and no gap (each reconnect
asks for `after=last_id`, the id of the last event yielded). In between it
yields `LiveStatus` when the connection comes up or goes down, and `Resync`
when the server says the log no longer holds what followed `last_id`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidStatus,
    InvalidURI,
    WebSocketException,
)

from chatsup.client.errors import Unauthorized

if TYPE_CHECKING:  # the event models load with the first event (a console's start)
    from chatsup.domain.events import Event

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
"""The server sends `{"type": "heartbeat"}` after this long without events."""
MAX_FRAME = 16 * 1024 * 1024

LiveState = Literal["live", "reconnecting", "offline"]


@dataclass(frozen=True)
class LiveStatus:
    """The connection changed: `live`, `reconnecting` (with why and when the
    next try is), or `offline` (closed, or the token was refused)."""

    state: LiveState
    detail: str = ""
    attempt: int = 0
    retry_in: float | None = None


@dataclass(frozen=True)
class Resync:
    """The server no longer holds the events after our `last_id` (or never
    did): what is on screen may be stale and should be reloaded. Events from
    `latest_id` on follow."""

    oldest_id: int | None = None
    latest_id: int | None = None


LiveItem: TypeAlias = "Event | Resync | LiveStatus"


def ws_url(base_url: str, path: str = "/v1/live", **params: object) -> str:
    """The WebSocket URL of `path` on the server at `base_url`: http→ws,
    https→wss (ws/wss kept), any path prefix kept, `params` (None left out)
    as the query string."""
    parts = urlsplit(base_url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"not an http(s):// or ws(s):// URL: {base_url!r}")
    prefix = parts.path.rstrip("/")
    if not prefix.endswith(path):
        prefix += path
    query = urlencode({k: str(v) for k, v in params.items() if v is not None})
    return urlunsplit((scheme, parts.netloc, prefix, query, ""))


def backoff_delay(
    attempt: int, min_backoff: float, max_backoff: float, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): exponential,
    with "equal jitter" (between half and all of the step), always within
    [min_backoff, max_backoff]."""
    step = min(max_backoff, min_backoff * 2.0 ** min(attempt + 1, 60))
    return min(max_backoff, max(min_backoff, step / 2 + rand() * step / 2))


class _Silent(Exception):
    """Nothing arrived, not even a heartbeat, for too long."""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _why(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionClosed):
        return f"connection lost ({exc})"
    text = str(exc)
    return text or type(exc).__name__


class ReconnectingSocket:
    """One WebSocket as an endless async iterator that reconnects on its own.

    The token goes in the `Authorization` header (kept out of URLs and access
    logs). A refused token (401/403 on the handshake) yields
    `LiveStatus("offline", "bad token")` then raises `Unauthorized`; every
    other failure is retried with exponential backoff and jitter until
    `close()`. A subclass says where it connects (`connect_url`), how long
    silence means a dead link (`idle_timeout`; None: the protocol's pings
    tell) and what a frame means (`_take`).
    """

    WHAT = "the socket"  # for messages: "the live stream", "the agent socket"

    def __init__(
        self,
        url: str,
        token: str,
        *,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
        open_timeout: float = 10.0,
        idle_timeout: float | None = None,
        ping_interval: float | None = 20.0,
    ) -> None:
        self.url = url
        self.min_backoff = min_backoff
        self.max_backoff = max(max_backoff, min_backoff)
        self.open_timeout = open_timeout
        self.idle_timeout = idle_timeout
        self.ping_interval = ping_interval
        self.state: LiveState | None = None
        self._token = token
        self._closed = False
        self._wake = asyncio.Event()
        self._ws: ClientConnection | None = None

    def connect_url(self) -> str:
        """Where the next connection goes."""
        return self.url

    def _take(self, raw: str | bytes) -> Any:
        """One server frame: the item to yield, or None to skip it."""
        raise NotImplementedError

    def _object(self, raw: str | bytes) -> dict[str, Any] | None:
        """A frame as a JSON object; None (logged) for anything else."""
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.warning("%s: ignoring a frame that is not JSON", self.WHAT)
            return None
        return msg if isinstance(msg, dict) else None

    def _event(self, msg: dict[str, Any]) -> Event | None:
        """An event frame as its typed event (`GenericEvent` for a type this
        client does not know); None (logged) when it is no event at all."""
        from chatsup.domain.events import parse_event

        try:
            return parse_event(msg)
        except ValidationError as e:
            log.warning("%s: ignoring a malformed event: %s", self.WHAT, e)
            return None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.state == "live"

    async def close(self) -> None:
        """Stop: the iterator yields `LiveStatus("offline", "closed")` and ends."""
        self._closed = True
        self._wake.set()
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def events(self) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._closed:
            opened_at: float | None = None
            got_frame = False
            try:
                async with connect(
                    self.connect_url(),
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    compression=None,
                    open_timeout=self.open_timeout,
                    ping_interval=self.ping_interval,
                    max_size=MAX_FRAME,
                ) as ws:
                    self._ws = ws
                    if self._closed:
                        break
                    opened_at = loop.time()
                    yield self._status("live", f"connected to {self.url}")
                    while True:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), self.idle_timeout)
                        except TimeoutError as e:
                            raise _Silent(f"nothing heard for {self.idle_timeout:g} s") from e
                        got_frame = True
                        item = self._take(raw)
                        if item is not None:
                            yield item
            except InvalidStatus as e:
                status = e.response.status_code
                if status in (401, 403):
                    self._closed = True
                    yield self._status("offline", "bad token")
                    raise Unauthorized(
                        status,
                        "unauthorized",
                        f"{self.WHAT} at {self.url} refused the token (HTTP {status})",
                    ) from e
                reason = f"the server answered HTTP {status}"
            except InvalidURI:
                raise
            except (OSError, TimeoutError, WebSocketException, _Silent) as e:
                reason = _why(e)
            finally:
                self._ws = None
            if self._closed:
                break
            if opened_at is not None and (got_frame or loop.time() - opened_at >= 1.0):
                failures = 0  # that connection worked: start the backoff over
            delay = backoff_delay(failures, self.min_backoff, self.max_backoff)
            failures += 1
            yield self._status(
                "reconnecting", f"{reason}; retrying in {delay:.1f} s", failures, delay
            )
            await self._sleep(delay)
        yield self._status("offline", "closed")

    def _status(
        self, state: LiveState, detail: str, attempt: int = 0, retry_in: float | None = None
    ) -> LiveStatus:
        self.state = state
        return LiveStatus(state, detail, attempt, retry_in)

    async def _sleep(self, delay: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            pass


class LiveClient(ReconnectingSocket):
    """`async for item in LiveClient(url, token, after=last_seen).events(): ...`

    `url` is the server's base URL (http(s):// or ws(s)://). Reconnects ask
    for `after=last_id`; a link silent for three heartbeats is dead.
    """

    WHAT = "the live stream"

    def __init__(
        self,
        url: str,
        token: str,
        after: int = 0,
        *,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
        heartbeat_s: float = HEARTBEAT_S,
        open_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            ws_url(url),
            token,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            open_timeout=open_timeout,
            idle_timeout=3 * heartbeat_s,
        )
        self.last_id = after

    def connect_url(self) -> str:
        """Where the next connection goes: resuming after `last_id`."""
        return ws_url(self.url, after=self.last_id)

    def events(self) -> AsyncIterator[LiveItem]:
        return super().events()

    def __aiter__(self) -> AsyncIterator[LiveItem]:
        return self.events()

    def _take(self, raw: str | bytes) -> Event | Resync | None:
        """One server frame: the item to yield, or None (heartbeat, duplicate,
        unreadable)."""
        msg = self._object(raw)
        if msg is None:
            return None
        kind = msg.get("type")
        if kind == "heartbeat":
            return None
        if kind == "resync":
            resync = Resync(_int(msg.get("oldest_id")), _int(msg.get("latest_id")))
            if resync.latest_id is not None:
                self.last_id = resync.latest_id
            return resync
        if "id" not in msg:
            log.debug("live: ignoring control frame %r", kind)
            return None
        event = self._event(msg)
        if event is None or event.id <= self.last_id:
            return None
        self.last_id = event.id
        return event
