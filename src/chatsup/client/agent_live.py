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

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from websockets.exceptions import WebSocketException

from chatsup.client.errors import Unreachable
from chatsup.client.live import LiveStatus, ReconnectingSocket, _int, _why, ws_url
from chatsup.domain.events import Event

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


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class AgentLive(ReconnectingSocket):
    """`async for item in AgentLive(url, token).events(): ...`

    Reconnects as `ReconnectingSocket` does; dead connections are found by
    the WebSocket protocol's own pings.
    """

    WHAT = "the agent socket"

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
        super().__init__(
            ws_url(url, PATH),
            token,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
        )

    def events(self) -> AsyncIterator[AgentItem]:
        return super().events()

    async def send_message(
        self, conversation_id: int, body: str, client_id: str | None = None
    ) -> str:
        """Send a reply over the socket; returns the `client_id` its `Ack` or
        `SocketError` will carry. `Unreachable` when not connected."""
        ws = self._ws
        if ws is None:
            raise Unreachable(self.url, "the agent socket is not connected")
        client_id = client_id or uuid.uuid4().hex
        frame = {
            "type": "message",
            "conversation_id": int(conversation_id),
            "body": body,
            "client_id": client_id,
        }
        try:
            await ws.send(orjson.dumps(frame).decode())
        except (WebSocketException, OSError) as e:
            raise Unreachable(self.url, _why(e)) from e
        return client_id

    def _take(self, raw: str | bytes) -> Event | Ack | SocketError | None:
        msg = self._object(raw)
        if msg is None:
            return None
        kind = msg.get("type")
        if kind == "ack":
            return Ack(
                _str(msg.get("client_id")),
                _int(msg.get("conversation_id")),
                _int(msg.get("message_id")),
                _int(msg.get("event_id")),
            )
        if kind == "error":
            return SocketError(
                str(msg.get("code") or "error"),
                str(msg.get("message") or ""),
                _str(msg.get("field")),
                _str(msg.get("client_id")),
            )
        if "id" not in msg:
            return None  # pong, heartbeat
        return self._event(msg)
