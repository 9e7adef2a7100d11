"""What store functions get: `Tx` for a write (on the writer thread, inside
the batch's transaction), `Rx` for a read (one snapshot). Both run SQL
through the engine (placeholders `?`, rows readable by index and by name)
and carry its dialect for the statements each database writes its own way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import orjson

from chatsup.domain import events as ev
from chatsup.server.store import touches

if TYPE_CHECKING:
    from chatsup.server.store.dialect import Dialect
    from chatsup.server.store.report_cache import BucketCache


class Cursor(Protocol):
    """What `execute` answers: rows (by index and by name), and a row count."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


class Engine(Protocol):
    """The database under the store (SQLite today: engine_sqlite)."""

    name: str
    # False: `Tx.emit` inserts the event at once; True: the engine inserts a
    # batch's events as it commits (`number_events`)
    numbers_events_at_commit: bool

    @property
    def dialect(self) -> Dialect: ...

    def insert(self, conn: Any, sql: str, params: Any) -> int: ...

    # Engines that number events as they are emitted (numbers_events_at_commit False)
    def take_event_id(self) -> int: ...

    def next_event_id(self) -> int: ...


log = logging.getLogger(__name__)
_UNTYPED: set[str] = set()


@dataclass
class PendingEvent:
    id: int
    type: str
    at: float
    data: dict[str, Any]
    # `data` as its model (chatsup.domain.events); None when it has none
    payload: ev.Payload | None = None
    # The encoded data (inserted as the batch commits), and who waits for
    # the id where the engine numbers events then (engine_pg).
    raw: bytes | None = None
    on_id: Callable[[int], None] | None = None
    # The visitor the event concerns, when its emitter says so (the hub
    # routes it to that visitor's sockets without typing it); None: not said
    visitor_id: int | None = None


@dataclass
class Rx:
    """What a read function gets: a snapshot of the store and the time zone."""

    engine: Engine
    conn: Connection
    tz: ZoneInfo
    cache: BucketCache | Any = None  # the store's report cache (figures of ended buckets)

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        cur: Cursor = self.conn.execute(sql, params)
        return cur

    def one(self, sql: str, params: Any = ()) -> Any:
        """The first row, or None."""
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]


@dataclass
class Tx(Rx):
    """What a write function gets: a read's methods, `insert` and the event log."""

    now: float = 0.0
    log_events: bool = True
    events: list[PendingEvent] = field(default_factory=list)
    strict_events: bool = False
    # table → the times touched in this write (store/touches.py)
    touched: dict[str, set[float]] = field(default_factory=dict)
    # took the counter row mid-batch (PostgreSQL): its batch commits now (db.py)
    commit_order_locked: bool = False

    def insert(self, sql: str, params: Any = ()) -> int:
        """Run an INSERT into a table with an integer `id`; returns the new id."""
        return self.engine.insert(self.conn, sql, params)

    def rx(self) -> Rx:
        """This transaction seen as a read (a write may call read functions)."""
        return Rx(self.engine, self.conn, self.tz)

    def emit(
        self,
        type_: str,
        data: dict[str, Any],
        at: float | None = None,
        on_id: Callable[[int], None] | None = None,
        *,
        visitor_id: int | None = None,
    ) -> int | None:
        """Append an event to the log in this transaction. SQLite numbers it
        now: answers its id (and calls `on_id` with it). PostgreSQL numbers
        a batch's events as it commits (shared/design/SCALE-OUT.md §3):
        answers None, and `on_id` runs then, still in the transaction.

        `visitor_id`: the visitor the event concerns (`Event.visitor_id`),
        carried to the hub so that it routes the event to a visitor's socket
        without typing it; strict, it must be what the typed event says."""
        if not self.log_events:
            return None
        at = self.now if at is None else at
        raw = orjson.dumps(data)
        payload = self._check(type_, data, raw, visitor_id)
        if self.engine.numbers_events_at_commit:
            self.events.append(
                PendingEvent(0, type_, at, data, payload, raw, on_id, visitor_id=visitor_id)
            )
            return None
        eid = self.engine.take_event_id()  # inserted as the batch commits (db.py)
        self.events.append(PendingEvent(eid, type_, at, data, payload, raw, visitor_id=visitor_id))
        if on_id is not None:
            on_id(eid)
        return eid

    def next_event_id(self) -> int | None:
        """The id the next `emit` of this write will answer, where the engine
        knows it beforehand (SQLite); None where ids come at commit
        (PostgreSQL) or the write logs no events."""
        if not self.log_events or self.engine.numbers_events_at_commit:
            return None
        return self.engine.next_event_id()

    def touch(self, source: str, at: float | None) -> None:
        """Tell the report cache that a row of `source` (a table) that the
        reports bucket at time `at` changed in this write (store/touches.py):
        the kept figures of the buckets holding `at` are dropped. Once per
        table and time."""
        if at is None:
            return
        seen = self.touched.setdefault(source, set())
        if at in seen:
            return
        seen.add(at)
        if not self.engine.numbers_events_at_commit:  # else as the batch commits (db.py)
            touches.touch(self, source, at, at)

    def _check(
        self, type_: str, data: dict[str, Any], raw: bytes, visitor_id: int | None
    ) -> ev.Payload | None:
        """Strict: `data` as the model of its type, which must serialise back
        to the very bytes the log and the wire carry, and a `visitor_id`
        given must be the typed event's. Otherwise only the type is checked
        (a set lookup); the hub types the event when a socket first reads it."""
        if not self.strict_events:
            if type_ not in ev.EVENT_TYPES and type_ not in _UNTYPED:
                _UNTYPED.add(type_)  # once per type: not a line per event
                log.error("event type %s has no model: published untyped", type_)
            return None
        payload = ev.payload(type_, data)
        if not ev.same_wire(raw, ev.dump(payload)):
            raise ValueError(
                f"event {type_} does not match its model: "
                f"emitted {raw!r}, model gives {ev.dump(payload)!r}"
            )
        if visitor_id is not None:
            said = ev.envelope(0, type_, datetime.now(UTC), payload).visitor_id
            if said != visitor_id:
                raise ValueError(f"event {type_} concerns visitor {said}, emitted for {visitor_id}")
        return payload
