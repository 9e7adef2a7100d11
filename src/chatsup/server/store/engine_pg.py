"""The PostgreSQL engine (psycopg 3, sync API, in the store's own threads):
connections and their settings, migrations under an advisory lock, the
transaction verbs the writer uses, inserts that answer the new id, and rows
readable by index and by name like sqlite3.Row. Store SQL is written with
`?` placeholders; they become psycopg's `%s` here (once per statement text).
What is specific in statement text is in dialect.py (PgDialect).

Writes: READ COMMITTED, one transaction per batch of at most MAX_BATCH
writes (each in a SAVEPOINT: more than 64 subtransactions overflow
PostgreSQL's per-backend cache and slow every snapshot in the cluster).
Reads: one REPEATABLE READ READ ONLY transaction per read function.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import TransactionStatus
except ImportError as e:  # pragma: no cover - the extra is not installed
    raise RuntimeError(
        "the PostgreSQL store needs the postgres extra: pip install 'chatsup[postgres]'"
    ) from e

from chatsup.server.store.dialect import PgDialect
from chatsup.server.store.schema_pg import PG_MIGRATIONS
from chatsup.server.store.tx import PendingEvent

MAX_BATCH = 60  # writes per transaction (< 64 subtransactions)
MIGRATE_LOCK = 0x63686174  # pg_advisory_lock key while migrating ("chat")
# A writer host that dies holding the event counter must not stall the others.
SESSION_SETTINGS = (
    "SET idle_in_transaction_session_timeout = '5s'",
    "SET lock_timeout = '5s'",
)
RETRIES = 3
# Errors a write is run again for, alone (at most RETRIES times), and what
# each counts as in `PgEngine.retries` (/v1/health).
RETRY_KINDS: tuple[tuple[type[Exception], str], ...] = (
    (pg_errors.DeadlockDetected, "deadlock"),
    (pg_errors.SerializationFailure, "serialization"),
    (pg_errors.UniqueViolation, "duplicate"),
)

log = logging.getLogger(__name__)

_BEGIN = "BEGIN"
_BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_SAVEPOINT = "SAVEPOINT w"
_RELEASE = "RELEASE SAVEPOINT w"
# The batch's event ids from the counter row and its events, one statement.
_NUMBER_EVENTS = (
    "WITH h AS (UPDATE stream_head SET last_id = last_id + %s RETURNING last_id),"
    " i AS (INSERT INTO events(id, at, type, data)"
    " SELECT h.last_id - %s + e.n, e.at, e.type, e.data FROM h, unnest("
    "%s::double precision[], %s::text[], %s::bytea[]) WITH ORDINALITY AS e(at, type, data, n))"
    " SELECT last_id FROM h"
)

_SQL: dict[str, str] = {}


def pg_sql(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled)."""
    out = _SQL.get(sql)
    if out is None:
        out = sql.replace("%", "%%").replace("?", "%s")
        if len(_SQL) < 10_000:
            _SQL[sql] = out
    return out


class Row(tuple[Any, ...]):
    """A result row by index, by column name, and as `dict(row)`."""

    _index: dict[str, int] = {}  # noqa: RUF012 - set per subclass

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


_ROWS: dict[tuple[str, ...], type[Row]] = {}


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    desc = cursor.description
    if desc is None:
        return tuple
    names = tuple(d.name for d in desc)
    cls = _ROWS.get(names)
    if cls is None:
        cls = type("Row", (Row,), {"_index": {n: i for i, n in enumerate(names)}})
        if len(_ROWS) < 10_000:
            _ROWS[names] = cls
    return cls


class _NumericLoader(Loader):
    """numeric (sum of bigint, avg) as int when whole, else float: what
    SQLite answers, and what JSON carries."""

    def load(self, data: Any) -> Any:
        raw = bytes(data)
        if b"." in raw or b"N" in raw or b"e" in raw:
            return float(raw)
        return int(raw)


class _BoolDumper(Dumper):
    """Python bools into the integer flag columns (SQLite stores 0/1)."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class PgConnection:
    """A psycopg connection that runs store SQL (`?` placeholders).

    `pending`: transaction control that cannot fail on its own (BEGIN, the
    previous write's RELEASE) held back to go out with the next SAVEPOINT
    or COMMIT, in one simple-protocol round trip (each round trip costs a
    wake-up of the server process, which on a busy machine dominates).
    """

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn
        self.pending: list[str] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.raw.execute(pg_sql(sql), params if params is not None else ())

    def control(self, *statements: str) -> None:
        """Send what is pending and `statements` (no parameters) at once."""
        todo, self.pending = [*self.pending, *statements], []
        self.raw.execute("; ".join(todo).encode())

    def close(self) -> None:
        self.raw.close()

    @property
    def lost(self) -> bool:
        """The session is gone (the server restarted, an administrator or a
        failover ended it, the network dropped it): a new connection is needed."""
        return bool(self.raw.closed or self.raw.broken)


class PgEngine:
    name = "postgresql"
    Error = psycopg.Error
    max_batch = MAX_BATCH
    numbers_events_at_commit = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._dialect = PgDialect()
        # Writes run again alone since start, by cause (RETRY_KINDS): a
        # deadlock or a serialization failure costs its write a retry (and
        # a deadlock `deadlock_timeout`); a duplicate is a concurrent
        # idempotent retry answered by the original.
        self.retries: dict[str, int] = {kind: 0 for _cls, kind in RETRY_KINDS}
        self._retries_lock = threading.Lock()

    @property
    def dialect(self) -> PgDialect:
        return self._dialect

    # -- connections -------------------------------------------------------

    def connect(self, *, readonly: bool = False) -> PgConnection:
        conn = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory)
        conn.adapters.register_loader("numeric", _NumericLoader)
        _BoolDumper.oid = conn.adapters.types["int8"].oid
        conn.adapters.register_dumper(bool, _BoolDumper)
        for setting in SESSION_SETTINGS:
            conn.execute(setting)
        if readonly:
            conn.execute("SET default_transaction_read_only = on")
        return PgConnection(conn)

    @staticmethod
    def lost(conn: PgConnection) -> bool:
        return conn.lost

    def open_writer(self) -> PgConnection:
        """The writer's connection, the schema migrated."""
        conn = self.connect()
        migrate(conn)
        return conn

    def checkpoint(self, conn: PgConnection) -> tuple[int, int]:
        """PostgreSQL checkpoints on its own."""
        return (0, 0)

    # -- transactions ------------------------------------------------------

    def begin_write(self, conn: PgConnection) -> None:
        conn.pending = [_BEGIN]  # sent with the first SAVEPOINT

    def savepoint(self, conn: PgConnection) -> None:
        conn.control(_SAVEPOINT)  # (after the BEGIN, or the previous RELEASE)

    def release(self, conn: PgConnection) -> None:
        conn.pending.append(_RELEASE)  # sent with the next SAVEPOINT (COMMIT releases)

    def rollback_to_savepoint(self, conn: PgConnection) -> None:
        conn.control("ROLLBACK TO SAVEPOINT w", _RELEASE)

    def _unsent(self, conn: PgConnection) -> bool:
        """The batch's BEGIN has not gone out: nothing of it ran."""
        return conn.pending[:1] == [_BEGIN]

    def undo_write(self, conn: PgConnection) -> bool:
        """Undo the write that just failed (back to its savepoint); False when
        the transaction itself is gone (the connection broke)."""
        if conn.raw.info.transaction_status == TransactionStatus.IDLE:
            conn.pending = []
            return False
        try:
            self.rollback_to_savepoint(conn)
        except psycopg.Error:
            conn.pending = []
            with contextlib.suppress(psycopg.Error):
                conn.raw.execute("ROLLBACK")
            return False
        return True

    def commit(self, conn: PgConnection) -> None:
        unsent = self._unsent(conn)
        conn.pending = []  # (a RELEASE: COMMIT releases)
        if not unsent:
            conn.raw.execute("COMMIT")

    def rollback(self, conn: PgConnection) -> None:
        unsent = self._unsent(conn)
        conn.pending = []
        if not unsent:
            conn.raw.execute("ROLLBACK")

    def begin_read(self, conn: PgConnection) -> None:
        conn.raw.execute(_BEGIN_READ)

    def end_read(self, conn: PgConnection) -> None:
        if conn.raw.info.transaction_status != TransactionStatus.IDLE:
            conn.raw.execute("COMMIT")  # (a ROLLBACK when the read failed)

    def watch(self, conn: PgConnection, stop: Callable[[], bool], steps: int) -> None:
        """(SQLite checks `stop` as a statement runs; here `interrupt` cancels.)"""

    def unwatch(self, conn: PgConnection) -> None:
        pass

    def interrupt(self, conn: PgConnection) -> None:
        """Cancel the statement running on `conn` now (from another thread)."""
        with contextlib.suppress(psycopg.Error):
            conn.raw.cancel_safe()

    def retryable(self, exc: BaseException) -> bool:
        """A write that lost a race: run it again, alone (counted, and a
        deadlock or serialization failure logged: one line, no SQL values)."""
        for cls, kind in RETRY_KINDS:
            if isinstance(exc, cls):
                with self._retries_lock:
                    self.retries[kind] += 1
                if kind != "duplicate":
                    log.warning("write lost a race (%s): run again alone", kind)
                return True
        return False

    # -- the event log -----------------------------------------------------

    def number_events(self, conn: PgConnection, events: list[PendingEvent]) -> None:
        """At the end of a batch's transaction, just before COMMIT: take the
        batch's event ids from the counter row (locked until the commit, so
        ids follow commit order and a rollback gives them back), insert the
        events in one statement, then let each write hear its ids
        (`Tx.emit(on_id=)`). The commit notifies `chatsup_events` (the
        events table's deferred trigger, schema_pg.py)."""
        n = len(events)
        row = conn.raw.execute(
            _NUMBER_EVENTS,
            (n, n, [e.at for e in events], [e.type for e in events], [e.raw for e in events]),
        ).fetchone()
        assert row is not None  # (the migration inserts the one row)
        first = int(row[0]) - n + 1
        for k, e in enumerate(events):
            e.id = first + k
            if e.on_id is not None:
                e.on_id(e.id)

    # -- statements --------------------------------------------------------

    def insert(self, conn: PgConnection, sql: str, params: Any) -> int:
        row = conn.execute(sql + " RETURNING id", params).fetchone()
        return int(row[0])


def migrate(conn: PgConnection) -> int:
    """Apply the migrations not yet applied (one process at a time); returns
    the schema version."""
    raw = conn.raw
    raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        raw.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = raw.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        version = int(row[0]) if row else 0
        for number, sql in enumerate(PG_MIGRATIONS, start=1):
            if number <= version:
                continue
            with raw.transaction():
                raw.execute(sql.encode())
                raw.execute("INSERT INTO schema_version(version) VALUES (%s)", (number,))
            version = number
        return version
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
