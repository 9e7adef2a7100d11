"""In-process fan-out of committed events to live sockets.

The store has `publish` run on the event loop after each commit, in the
callback that answers the commit's writes (SQLite: `Store.publish_on`;
PostgreSQL: through the event feed); events reach it in id order. Each subscriber has a
bounded queue; one that falls behind is marked `lagged` and is offered
nothing more until its socket acts on it: the supervisors' and agents'
sockets replay the gap from the log (the log has everything), a visitor's
socket closes with 4000 `lagged` (live_sockets.py). None is skipped silently.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chatsup.domain import events as ev
from chatsup.server.store import PendingEvent
from chatsup.server.store.wire import moment
from chatsup.server.ws_protocol import text_frame

QUEUE_SIZE = 10_000
# The event types a visitor's socket may get (its own filter says which of them)
VISITOR_TYPES = frozenset({"message.created", "conversation.ended"})


_UNSAID = -1  # (a Published's visitor id not yet known)


class Published:
    """A committed event as the hub hands it to sockets: `wire`, encoded once
    for all of them; `data`, the payload as emitted (a dict); `visitor_id`,
    the visitor it concerns as its emitter said (`Tx.emit(visitor_id=)`);
    and `event`, typed (chatsup.domain.events), built on the first read only:
    a supervisor's stream sends `wire` and never reads it, a visitor's socket
    routes and filters on `visitor_id` and `data`."""

    __slots__ = ("_event", "_frame", "_payload", "_visitor_id", "at", "data", "id", "type", "wire")

    def __init__(
        self,
        id_: int,
        type_: str,
        at: datetime,
        data: Mapping[str, Any],
        wire: bytes,
        payload: ev.Payload | None = None,
        visitor_id: int | None = None,
    ) -> None:
        self.id = id_
        self.type = type_
        self.at = at
        self.wire = wire  # {"id", "type", "at", "data"} as JSON
        self.data = data  # the payload as emitted (or as read from the log)
        self._payload = payload  # the payload checked by the store (strict), if any
        self._visitor_id: int | None = _UNSAID if visitor_id is None else visitor_id
        self._event: ev.Event | None = None
        self._frame: bytes | None = None

    @property
    def frame(self) -> bytes:
        """`wire` as a WebSocket text frame, built once for every socket."""
        if self._frame is None:
            self._frame = text_frame(self.wire)
        return self._frame

    @property
    def event(self) -> ev.Event:
        """The typed event; `GenericEvent` when its data does not match a model."""
        if self._event is None:
            data = self._payload if self._payload is not None else self.data
            self._event = ev.typed(self.id, self.type, self.at, data)
        return self._event

    @property
    def visitor_id(self) -> int | None:
        """The visitor the event concerns (`Event.visitor_id`): as its emitter
        said, else the typed event's (an emitter that did not say, or an
        event read from the log)."""
        if self._visitor_id == _UNSAID:
            self._visitor_id = self.event.visitor_id
        return self._visitor_id


class EventQueue:
    """A bounded FIFO with one consumer: the part of `asyncio.Queue` a
    subscriber uses, in a fraction of its memory. Every idle visitor socket
    holds one; an `asyncio.Queue` is four deques and an Event (~3 KB), this
    is one small object until the first event comes."""

    __slots__ = ("_items", "_maxsize", "_waiter")

    def __init__(self, maxsize: int = QUEUE_SIZE) -> None:
        self._items: deque[Published] | None = None
        self._maxsize = maxsize
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Published) -> None:
        items = self._items
        if items is None:
            items = self._items = deque()
        elif len(items) >= self._maxsize:
            raise asyncio.QueueFull
        items.append(item)
        self.wake()

    def get_nowait(self) -> Published:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    async def get(self) -> Published:
        while not self._items:
            await self.wait()
        return self._items.popleft()

    async def wait(self) -> None:
        """Return once an event is queued or `wake` is called (at once if
        one is queued already)."""
        if self._items:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def wake(self) -> None:
        """End a `wait` (a `get` woken with nothing queued waits again)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0


@dataclass(eq=False)
class Subscriber:
    accept: Callable[[Published], bool] | None = None
    queue: EventQueue = field(default_factory=EventQueue)
    lagged: bool = False
    visitor_id: int | None = None
    floor: int = 0  # events up to this id were committed before it subscribed
    # Set by a socket parked on an empty queue: sends an event at once, in
    # the publishing callback (no wake-up of the socket's task); False when
    # it cannot (the event is queued as usual)
    direct: Callable[[Published], bool] | None = None


class Hub:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: set[Subscriber] = set()
        # Visitors' sockets, by visitor: an event is offered only to the
        # sockets of the visitor it concerns (not to every idle visitor).
        self.by_visitor: dict[int, set[Subscriber]] = {}
        self.latest_id = 0
        self.queue_size = QUEUE_SIZE  # each new subscriber's bound

    def encode(self, e: PendingEvent) -> Published:
        when, text = moment(e.at, self.tz)  # as the wire has it
        wire = ev.wire(e.id, e.type, text, e.data)
        return Published(e.id, e.type, when, e.data, wire, e.payload, e.visitor_id)

    def publish(self, events: list[PendingEvent]) -> None:
        for e in events:
            pub = self.encode(e)
            self.latest_id = max(self.latest_id, e.id)
            self._offer(pub, self.subscribers)
            # only these reach a visitor's socket (routed by the visitor id
            # the store carried: the event is not typed here)
            vid = pub.visitor_id if self.by_visitor and e.type in VISITOR_TYPES else None
            if vid is not None and vid in self.by_visitor:
                self._offer(pub, self.by_visitor[vid])

    @staticmethod
    def _offer(pub: Published, subs: set[Subscriber]) -> None:
        for sub in list(subs):
            if pub.id <= sub.floor or sub.lagged:
                continue
            if sub.accept is not None and not sub.accept(pub):
                continue
            if sub.direct is not None and sub.queue.empty() and sub.direct(pub):
                continue
            try:
                sub.queue.put_nowait(pub)
            except asyncio.QueueFull:
                sub.lagged = True

    def subscribe(
        self,
        accept: Callable[[Published], bool] | None = None,
        *,
        visitor_id: int | None = None,
        floor: int = 0,
    ) -> Subscriber:
        """A new subscriber. With `visitor_id`, it is offered only the events
        that concern that visitor (`Published.visitor_id`), and `accept` filters
        those. Events up to `floor` (committed before it subscribed, though
        perhaps not yet published) are never offered."""
        sub = Subscriber(accept, EventQueue(self.queue_size), visitor_id=visitor_id, floor=floor)
        if visitor_id is None:
            self.subscribers.add(sub)
        else:
            self.by_visitor.setdefault(visitor_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if sub.visitor_id is None:
            self.subscribers.discard(sub)
            return
        subs = self.by_visitor.get(sub.visitor_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.by_visitor[sub.visitor_id]
