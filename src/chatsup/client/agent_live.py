"""An advisor's chat socket (`WS /v1/agent/ws`) as one endless async iterator
that reconnects on its own.

While the socket is connected the server holds the advisor online. It sends,
as `Event`s: `conversation.started`, `conversation.assigned`,
`conversation.ended`, `offline_message.created`, and `message.created` for
every visitor line and for this advisor's own. The socket replays nothing:
after each `LiveStatus("live")` a client reloads what it shows over HTTP
(`AgentClient.desk`). A message sent with `send_message` is answered by an
`Ack` (committed) or a `SocketError`, matched by `client_id`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import orjson
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException

from chatsup.client.errors import Unauthorized, Unreachable
from chatsup.client.live import MAX_FRAME, LiveState, LiveStatus, _why, backoff_delay, ws_url
from chatsup.domain.models import Event

log = logging.getLogger(__name__)

PATH = "/v1/agent/ws"


@dataclass(frozen=True)
class Ack:
    """The server stored a message this socket sent."""

    client_id: str | None
    conversation_id: int | None
    message_id: int | None
    event_id: int | None


@dataclass(frozen=True)
class SocketError:
    """The server refused a frame this socket sent; the socket stays open."""

    code: str
    message: str
    field: str | None = None
    client_id: str | None = None


AgentItem = Event | Ack | SocketError | LiveStatus


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class AgentLive:
    """`async for item in AgentLive(url, token).events(): ...`

    The token goes in the `Authorization` header. A refused token (401/403
    on the handshake) yields `LiveStatus("offline",
    "bad token")` then raises `Unauthorized`; every other failure is retried
    with exponential backoff and jitter until `close()`. Dead connections are
    found by the WebSocket protocol's own pings.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
        open_timeout: float = 10.0,
        ping_interval: float = 20.0,
    ) -> None:
        self.url = ws_url(url, PATH)
        self.min_backoff = min_backoff
        self.max_backoff = max(max_backoff, min_backoff)
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.state: LiveState | None = None
        self._token = token
        self._closed = False
        self._wake = asyncio.Event()
        self._ws: ClientConnection | None = None

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

    async def send_message(
        self, conversation_id: int, body: str, client_id: str | None = None
    ) -> str:
        """Send a reply over the socket; returns the `client_id` its `Ack` or
        `SocketError` will carry. `Unreachable` when not connected."""
        ws = self._ws
        if ws is None:
            raise Unreachable(self.url, "the agent socket is not connected")
        client_id = client_id or uuid.uuid4().hex
        frame = {"type": "message", "conversation_id": int(conversation_id), "body": body,
                 "client_id": client_id}
        try:
            await ws.send(orjson.dumps(frame).decode())
        except (WebSocketException, OSError) as e:
            raise Unreachable(self.url, _why(e)) from e
        return client_id

    async def events(self) -> AsyncIterator[AgentItem]:
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._closed:
            opened_at: float | None = None
            try:
                async with connect(
                    self.url,
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
                    async for raw in ws:
                        item = self._take(raw)
                        if item is not None:
                            yield item
                    reason = f"the server closed the socket ({ws.close_code})"
            except InvalidStatus as e:
                status = e.response.status_code
                if status in (401, 403):
                    self._closed = True
                    yield self._status("offline", "bad token")
                    raise Unauthorized(
                        status, "unauthorized",
                        f"the agent socket at {self.url} refused the token (HTTP {status})",
                    ) from e
                reason = f"the server answered HTTP {status}"
            except InvalidURI:
                raise
            except (OSError, TimeoutError, WebSocketException) as e:
                reason = _why(e)
            finally:
                self._ws = None
            if self._closed:
                break
            if opened_at is not None and loop.time() - opened_at >= 1.0:
                failures = 0  # that connection worked for a while: start the backoff over
            delay = backoff_delay(failures, self.min_backoff, self.max_backoff)
            failures += 1
            yield self._status(
                "reconnecting", f"{reason}; retrying in {delay:.1f} s", failures, delay
            )
            await self._sleep(delay)
        yield self._status("offline", "closed")

    # -- internals --------------------------------------------------------------

    def _status(
        self, state: LiveState, detail: str, attempt: int = 0, retry_in: float | None = None
    ) -> LiveStatus:
        self.state = state
        return LiveStatus(state, detail, attempt, retry_in)

    @staticmethod
    def _take(raw: str | bytes) -> Event | Ack | SocketError | None:
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.warning("agent socket: ignoring a frame that is not JSON")
            return None
        if not isinstance(msg, dict):
            return None
        kind = msg.get("type")
        if kind == "ack":
            return Ack(_str(msg.get("client_id")), _int(msg.get("conversation_id")),
                       _int(msg.get("message_id")), _int(msg.get("event_id")))
        if kind == "error":
            return SocketError(str(msg.get("code") or "error"), str(msg.get("message") or ""),
                               _str(msg.get("field")), _str(msg.get("client_id")))
        if "id" not in msg:
            return None  # pong, heartbeat
        try:
            return Event.model_validate(msg)
        except ValidationError as e:
            log.warning("agent socket: ignoring a malformed event: %s", e)
            return None

    async def _sleep(self, delay: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            pass

