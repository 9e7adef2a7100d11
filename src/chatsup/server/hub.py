"""In-process fan-out of committed events to live sockets.

The store calls `publish_threadsafe` after each commit, from its writer
thread; events reach the event loop in id order. Each subscriber has a
bounded queue; one that falls behind is marked `lagged` and its socket
replays the gap from the log instead (the log has everything).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from chatsup.server.store import PendingEvent

QUEUE_SIZE = 10_000


@dataclass
class Published:
    id: int
    type: str
    data: dict[str, Any]
    wire: bytes  # {"id", "type", "at", "data"} as JSON, encoded once for all sockets


@dataclass(eq=False)
class Subscriber:
    accept: Callable[[Published], bool] | None = None
    queue: asyncio.Queue[Published] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    lagged: bool = False


class Hub:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: set[Subscriber] = set()
        self.latest_id = 0

    def publish_threadsafe(self, events: list[PendingEvent]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.publish, events)

    def encode(self, e: PendingEvent) -> Published:
        at = datetime.fromtimestamp(e.at, self.tz).isoformat(timespec="milliseconds")
        wire = orjson.dumps({"id": e.id, "type": e.type, "at": at, "data": e.data})
        return Published(e.id, e.type, e.data, wire)

    def publish(self, events: list[PendingEvent]) -> None:
        for e in events:
            pub = self.encode(e)
            self.latest_id = max(self.latest_id, e.id)
            for sub in list(self.subscribers):
                if sub.lagged or (sub.accept is not None and not sub.accept(pub)):
                    continue
                try:
                    sub.queue.put_nowait(pub)
                except asyncio.QueueFull:
                    sub.lagged = True

    def subscribe(self, accept: Callable[[Published], bool] | None = None) -> Subscriber:
        sub = Subscriber(accept)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
