"""Every process's live streams carry every process's events (PostgreSQL;
shared/design/SCALE-OUT.md §3 "Fan-out"). One asyncio task per process
consumes hints, in order, and publishes to the Hub what the log has after
the newest id it published:

* a local commit [a..b]: published as it is when a follows the newest id
  (no database read), else the log is read up to b;
* a NOTIFY on `chatsup_events` (sent at every commit that logged events,
  from any process) carrying the new head: the log is read up to it;
* a poll of the head every POLL_S, and a read when the LISTEN connection
  comes back: no missed notification loses an event.

Ids are in commit order with no gap (schema_pg.py: the counter row), so
everything up to a head is committed and the read is complete. The Hub,
replay, lagged subscribers and the `id > last + 1` gap check are as on
SQLite, where the store publishes its commits directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from chatsup.server.hub import Hub
from chatsup.server.store import PendingEvent, Store
from chatsup.server.store.events import pending_after

log = logging.getLogger(__name__)

CHANNEL = "chatsup_events"
POLL_S = 1.0
RECONNECT_S = 1.0
HINTS = 10_000  # queued hints at most (a head hint supersedes the ones before)


def _head(rx: Any) -> int:
    return int(rx.dialect.latest_event_id(rx))


class EventFeed:
    def __init__(self, hub: Hub, store: Store, url: str) -> None:
        self.hub = hub
        self.store = store
        self.url = url
        self.loop: asyncio.AbstractEventLoop | None = None
        self._hints: asyncio.Queue[list[PendingEvent] | int] = asyncio.Queue(HINTS)
        self._tasks: list[asyncio.Task[None]] = []

    # -- hints --------------------------------------------------------------

    def local_threadsafe(self, events: list[PendingEvent]) -> None:
        """The store's on_commit (its writer thread): this process's commit."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._hint, events)

    def _hint(self, hint: list[PendingEvent] | int) -> None:
        try:
            self._hints.put_nowait(hint)
        except asyncio.QueueFull:  # behind: one read to the head catches up
            self._drain()
            self._hints.put_nowait(0)

    def _drain(self) -> None:
        while not self._hints.empty():
            self._hints.get_nowait()

    # -- life ---------------------------------------------------------------

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._consume(), name="event-feed"),
            asyncio.create_task(self._listen(), name="event-feed-listen"),
            asyncio.create_task(self._poll(), name="event-feed-poll"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- the one consumer -----------------------------------------------------

    async def _consume(self) -> None:
        while True:
            hint = await self._hints.get()
            try:
                if isinstance(hint, list):
                    if hint and hint[0].id == self.hub.latest_id + 1:
                        self.hub.publish(hint)
                        continue
                    upto = max((e.id for e in hint), default=0)
                else:
                    upto = hint or await self.store.read(_head)
                await self._catch_up(upto)
            except Exception:  # the next hint or poll tries again
                log.exception("the event feed could not read the log")

    async def _catch_up(self, upto: int) -> None:
        while self.hub.latest_id < upto:
            batch = await self.store.read(pending_after, self.hub.latest_id, upto)
            if not batch:  # pruned past, or not there: nothing to publish
                return
            self.hub.publish(batch)

    # -- sources of heads -----------------------------------------------------

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._hint(0)  # what was committed while not listening
                    async for note in conn.notifies():
                        with contextlib.suppress(ValueError):
                            self._hint(int(note.payload))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event feed: LISTEN connection lost; reconnecting", exc_info=True)
            await asyncio.sleep(RECONNECT_S)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                head = await self.store.read(_head)
            except Exception:
                log.warning("event feed: polling the head failed", exc_info=True)
                continue
            if head > self.hub.latest_id:
                self._hint(head)
