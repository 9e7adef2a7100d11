"""The SQLite engine: connections and their settings, migrations, the
transaction verbs the writer uses, WAL checkpoints, inserts that answer the
new id. Everything SQLite-specific about *running* statements is here;
what is specific in their text is in dialect.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatsup.server.store.dialect import SqliteDialect
from chatsup.server.store.schema import MIGRATIONS

if TYPE_CHECKING:
    from chatsup.server.store.tx import PendingEvent


_LAST_EVENT = "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
_INSERT_EVENTS = "INSERT INTO events(id, at, type, data) VALUES (?, ?, ?, ?)"


class SqliteEngine:
    """Events: one writer, so an event's id is known as it is emitted (the
    next after the last the batch's transaction saw or gave, `take_event_id`)
    and the batch's events are inserted in one statement as it commits
    (`insert_events`), not one INSERT each. A write that fails gives its
    ids back (`undo_write`); a batch re-reads the last id as it begins."""

    name = "sqlite"
    numbers_events_at_commit = False  # (one writer: ids in commit order as emitted)
    Error = sqlite3.Error

    @staticmethod
    def lost(conn: sqlite3.Connection) -> bool:
        """A file's connection is never lost (PgEngine.lost)."""
        return False

    def __init__(self, path: Path, synchronous: str = "full") -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self._dialect = SqliteDialect()
        self._last_event = 0  # the writer's: the last event id taken in this batch
        self._last_event_mark = 0  # ... when the running write began

    @property
    def dialect(self) -> SqliteDialect:
        return self._dialect

    # -- connections -------------------------------------------------------

    def connect(self, *, readonly: bool = False) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
        else:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row  # rows by index and by name
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 268435456")
        conn.execute("PRAGMA temp_store = MEMORY")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        return conn

    def open_writer(self) -> sqlite3.Connection:
        """The writer's connection, the schema migrated."""
        conn = self.connect()
        migrate(conn)
        # WAL checkpoints run on their own thread, not inside the writer's
        # COMMIT (where they held up every acknowledgement behind them)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """Copy what the WAL holds back to the database (PASSIVE: waits for
        nobody); answers (frames in the WAL, frames copied), (-1, -1) when
        another checkpoint was running."""
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if row is None or row[0]:
            return (-1, -1)
        return (int(row[1]), int(row[2]))

    # -- transactions ------------------------------------------------------

    def begin_write(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(_LAST_EVENT).fetchone()
        self._last_event = int(row[0]) if row is not None else 0

    # A write runs without a savepoint: one that fails having changed no row
    # (`forget_write`) leaves nothing to undo (Store._commit_batch)
    undo_by_count = True

    def mark_write(self, conn: sqlite3.Connection) -> int:
        """A write begins without a savepoint: the rows changed so far."""
        self._last_event_mark = self._last_event
        return conn.total_changes

    def forget_write(self, conn: sqlite3.Connection, mark: int) -> bool:
        """The write begun at `mark` failed: its event ids are given back;
        True when it changed no row (nothing to undo) and the transaction
        holds."""
        self._last_event = self._last_event_mark
        return conn.in_transaction and conn.total_changes == mark

    @staticmethod
    def in_transaction(conn: sqlite3.Connection) -> bool:
        return conn.in_transaction

    def savepoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("SAVEPOINT w")
        self._last_event_mark = self._last_event

    def release(self, conn: sqlite3.Connection) -> None:
        conn.execute("RELEASE w")

    def undo_write(self, conn: sqlite3.Connection) -> bool:
        """Undo the write that just failed (back to its savepoint); False when
        the transaction itself is gone (SQLite rolls back on SQLITE_FULL,
        SQLITE_IOERR, ...)."""
        self._last_event = self._last_event_mark  # its events are not stored
        if not conn.in_transaction:
            return False
        try:
            conn.execute("ROLLBACK TO w")
            conn.execute("RELEASE w")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return False
        return True

    def commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")

    def begin_read(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN")

    def end_read(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # (an interrupted statement may have ended it)
            conn.execute("COMMIT")

    def watch(self, conn: sqlite3.Connection, stop: Callable[[], bool], steps: int) -> None:
        """Make a read give up (raise) once `stop()` answers true."""
        conn.set_progress_handler(lambda: 1 if stop() else 0, steps)

    def unwatch(self, conn: sqlite3.Connection) -> None:
        conn.set_progress_handler(None, 0)

    def interrupt(self, conn: sqlite3.Connection) -> None:
        """Stop the statement running on `conn` now (from another thread)."""
        conn.interrupt()

    # -- events ------------------------------------------------------------

    def take_event_id(self) -> int:
        """The id of an event emitted now, in the writer's batch."""
        self._last_event += 1
        return self._last_event

    def next_event_id(self) -> int:
        """The id the next event emitted in this batch will take."""
        return self._last_event + 1

    def insert_events(self, conn: sqlite3.Connection, events: list[PendingEvent]) -> None:
        """The batch's events, as it commits: one statement."""
        conn.executemany(_INSERT_EVENTS, [(e.id, e.at, e.type, e.raw) for e in events])

    # -- statements --------------------------------------------------------

    def insert(self, conn: sqlite3.Connection, sql: str, params: Any) -> int:
        return int(conn.execute(sql, params).lastrowid or 0)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied; returns the schema version."""
    conn.execute("PRAGMA journal_mode = WAL")
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for number, sql in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = number
    return version


def _split(script: str) -> list[str]:
    """Split a migration into statements (triggers contain semicolons)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
