"""Moving an SQLite store to PostgreSQL (`chatsup move-store --to URL`).

Every row of every table is copied with its ids, in one PostgreSQL
transaction (an interrupted move leaves the target as it was: run it
again), from one read snapshot of the SQLite file, which this command holds
locked for itself (a server still running on it makes the move refuse).

* Tables and columns are found in both databases, not listed here: a table
  or column on one side only stops the move, named (a new table then needs
  its twin in schema_pg.py, or a line in PG_ONLY below).
* Rows stream in keyset batches by primary key into one COPY per table, in
  foreign-key order; the target's own triggers are off while copying (rows
  keep their stored values: waits, touch ids, event ids) and on again
  before the commit, which therefore notifies nobody. Foreign keys are
  dropped for the copy and added back after it, each checked once over
  its table (row by row, they made the copy twice as slow).
* Full-text search is rebuilt by PostgreSQL itself: its `search` columns
  are generated from the copied text (schema_pg.py); ANALYZE runs after the
  commit so the planner knows them.
* Counters are set past what was copied: every identity sequence to its
  column's max, the visitor-number sequence, and the event counter row
  (`stream_head.last_id`: the newest event id SQLite gave, pruned or not;
  `commit_seq`: the newest report touch id, or the pruned touches' floor).
* The report figures kept in the store (report_rollups) are copied: each is
  true whenever read (store/rollups.py), whatever the engine.
* Media bytes are copied like any column (one row at a time in memory).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from chatsup.server.store.engine_pg import PgConnection
from chatsup.server.store.engine_pg import migrate as migrate_pg
from chatsup.server.store.engine_sqlite import migrate as migrate_sqlite

BATCH_ROWS = 5_000
PROGRESS_EVERY_S = 1.0
LOCK_TIMEOUT = "5s"
# PostgreSQL tables with no SQLite twin, and why nothing is copied into them.
PG_ONLY: dict[str, str] = {
    "schema_version": "the migrations applied (its own)",
    "stream_head": "the event and touch counters (set from the source)",
    "instances": "the server processes running (none yet)",
    "agent_connections": "sockets of running processes (none yet)",
}
# Sequences that are not an identity column's: (table, column) they number.
FREE_SEQUENCES: dict[str, tuple[str, str]] = {"visitor_number": ("visitors", "number")}
# A server process that beat this recently is taken to be running on the target.
RUNNING_WITHIN_S = 60.0


class MoveError(Exception):
    """A move that cannot (or must not) be made: no row was written (an
    empty target may have been given the schema)."""


@dataclass
class Table:
    name: str
    columns: list[str]
    key: list[str]  # keyset order (the primary key; else SQLite's rowid)
    convert: dict[int, Callable[[Any], Any]]  # column index → SQLite value to PostgreSQL's
    refs: set[str] = field(default_factory=set)  # tables its foreign keys name
    rows: int = 0


@dataclass
class MoveReport:
    tables: dict[str, int]  # rows copied, by table, in copy order
    last_event_id: int
    commit_seq: int
    copy_seconds: float  # the copy transaction alone
    seconds: float = 0.0  # the whole move
    analyze_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def move_store(
    path: Path,
    url: str,
    *,
    progress: Callable[[str], None] = lambda _s: None,
    batch: int = BATCH_ROWS,
) -> MoveReport:
    """Copy the SQLite store at `path` into the empty PostgreSQL database at
    `url` (migrated here if it has no schema yet)."""
    if batch < 1:
        raise MoveError("batch: at least 1 row")
    t0 = time.perf_counter()
    src = _open_source(Path(path))
    try:
        with _open_target(url) as dst:
            tables = _plan(src, dst)
            try:
                report = _copy(src, dst, tables, progress, batch)
            except BaseException:
                if dst.info.transaction_status != TransactionStatus.IDLE:
                    dst.execute(b"ROLLBACK")
                raise
            t1 = time.perf_counter()
            progress("analyzing (planner statistics for search and reports)")
            for t in tables:
                dst.execute(f"ANALYZE {t.name}".encode())
    finally:
        src.close()
    report.analyze_seconds = time.perf_counter() - t1
    report.seconds = time.perf_counter() - t0
    return report


# -- the source ---------------------------------------------------------------


def _open_source(path: Path) -> sqlite3.Connection:
    """The SQLite file, locked for this connection alone until it closes (a
    server that has it open makes this refuse), its schema migrated."""
    if not path.is_file():
        raise MoveError(f"no SQLite database at {path}")
    conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")  # (the lock stays: exclusive mode keeps it)
    except sqlite3.OperationalError as e:
        conn.close()
        raise MoveError(
            f"{path} is in use by another process ({e}): stop the server"
            " (`chatsup serve`) on it first, then move"
        ) from e
    migrate_sqlite(conn)
    return conn


def _sqlite_tables(src: sqlite3.Connection) -> list[str]:
    """The tables that hold rows: not SQLite's own, not the FTS indexes
    (PostgreSQL builds its own) nor their shadow tables."""
    rows = src.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    virtual = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [n for n, _sql in rows if not any(n == v or n.startswith(v + "_") for v in virtual)]


def _last_event_id(src: sqlite3.Connection) -> int:
    seq = src.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
    top = src.execute("SELECT max(id) FROM events").fetchone()
    return max(int(seq[0]) if seq else 0, int(top[0] or 0))


def _commit_seq(src: sqlite3.Connection) -> int:
    top = src.execute("SELECT max(id) FROM report_touches").fetchone()
    floor = src.execute("SELECT value FROM meta WHERE key = 'report_touches_floor'").fetchone()
    return max(int(top[0] or 0), int(floor[0]) if floor else 0)


# -- the target ---------------------------------------------------------------


def _open_target(url: str) -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as e:
        raise MoveError(f"cannot connect to the target: {e}") from e
    try:
        _check_target(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_target(conn: psycopg.Connection[Any]) -> None:
    """Empty (any chatsup schema is fine), then migrated."""
    conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'".encode())
    conn.execute(b"SET idle_in_transaction_session_timeout = 0")
    conn.execute(b"SET statement_timeout = 0")
    tables = _pg_tables(conn)
    if "schema_version" not in tables and tables:
        raise MoveError(
            "the target is not empty and holds no chatsup schema (tables: "
            + ", ".join(sorted(tables)[:8])
            + "): move into an empty database"
        )
    _refuse_rows(conn, [t for t in tables if t not in PG_ONLY])
    migrate_pg(PgConnection(conn))


def _pg_tables(conn: psycopg.Connection[Any]) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    ]


def _refuse_rows(conn: psycopg.Connection[Any], tables: list[str]) -> None:
    full = [
        t
        for t in sorted(tables)
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})".encode()).fetchone() == (True,)
    ]
    if full:
        raise MoveError(
            "the target database is not empty (rows in "
            + ", ".join(full)
            + "): move into a new, empty database; nothing was written"
        )


def _pg_columns(conn: psycopg.Connection[Any], table: str) -> dict[str, str]:
    """The columns a row gives (not the generated ones), with their types."""
    return {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " AND is_generated = 'NEVER' ORDER BY ordinal_position",
            (table,),
        )
    }


def _to_bytes(v: Any) -> Any:
    return v.encode() if isinstance(v, str) else v


def _to_text(v: Any) -> Any:
    return v.decode() if isinstance(v, bytes) else v


def _to_int(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "bytea": _to_bytes,
    "text": _to_text,
    "bigint": _to_int,
    "integer": _to_int,
}


def _plan(src: sqlite3.Connection, dst: psycopg.Connection[Any]) -> list[Table]:
    """The tables to copy, in foreign-key order; a table or column on one
    side only stops the move, named."""
    sqlite_tables = _sqlite_tables(src)
    pg_tables = set(_pg_tables(dst))
    missing = [t for t in sqlite_tables if t not in pg_tables]
    if missing:
        raise MoveError(
            f"no PostgreSQL table for {', '.join(missing)}: this chatsup cannot move it"
        )
    extra = sorted(pg_tables - set(sqlite_tables) - set(PG_ONLY))
    if extra:
        raise MoveError(f"no SQLite table for PostgreSQL's {', '.join(extra)}")
    out: list[Table] = []
    for name in sqlite_tables:
        info = src.execute(f"PRAGMA table_info({name})").fetchall()
        cols = [r[1] for r in info]
        pg_cols = _pg_columns(dst, name)
        if set(cols) != set(pg_cols):
            only_s = sorted(set(cols) - set(pg_cols))
            only_p = sorted(set(pg_cols) - set(cols))
            raise MoveError(
                f"table {name}: columns differ (SQLite only: {only_s}; PostgreSQL only: {only_p})"
            )
        key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] or ["rowid"]
        convert = {i: _CONVERT[pg_cols[c]] for i, c in enumerate(cols) if pg_cols[c] in _CONVERT}
        refs = {r[2] for r in src.execute(f"PRAGMA foreign_key_list({name})")} - {name}
        out.append(Table(name, cols, key, convert, refs))
    return _fk_order(out)


def _fk_order(tables: list[Table]) -> list[Table]:
    """Each table after the tables its foreign keys name."""
    done: list[Table] = []
    names: set[str] = set()
    left = list(tables)
    while left:
        ready = [t for t in left if t.refs <= names]
        if not ready:
            raise MoveError("foreign keys form a cycle: " + ", ".join(t.name for t in left))
        for t in ready:
            done.append(t)
            names.add(t.name)
            left.remove(t)
    return done


# -- the copy -----------------------------------------------------------------


def _rows(src: sqlite3.Connection, t: Table, batch: int) -> Iterator[tuple[Any, ...]]:
    """Every row of `t` by key: a batch per statement, one row at a time."""
    cols = ", ".join(t.columns)
    key = ", ".join(t.key)
    pos = [t.columns.index(k) if k in t.columns else len(t.columns) for k in t.key]
    extra = "" if all(k in t.columns for k in t.key) else ", rowid"
    last: tuple[Any, ...] | None = None
    while True:
        where = "" if last is None else f" WHERE ({key}) > ({', '.join('?' * len(t.key))})"
        cur = src.execute(
            f"SELECT {cols}{extra} FROM {t.name}{where} ORDER BY {key} LIMIT ?",
            (*(last or ()), batch),
        )
        n = 0
        row: tuple[Any, ...] = ()
        for row in cur:
            n += 1
            yield row[: len(t.columns)]
        if n < batch:
            return
        last = tuple(row[p] for p in pos)


def _copy(
    src: sqlite3.Connection,
    dst: psycopg.Connection[Any],
    tables: list[Table],
    progress: Callable[[str], None],
    batch: int,
) -> MoveReport:
    names = ", ".join([*(t.name for t in tables), "stream_head"])
    dst.execute(b"BEGIN")
    try:
        dst.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE".encode())
    except psycopg.errors.LockNotAvailable as e:
        raise MoveError("the target database is in use (a server running on it?)") from e
    _refuse_rows(dst, [t.name for t in tables])
    head = dst.execute(b"SELECT last_id, commit_seq FROM stream_head").fetchone()
    if head != (0, 0):
        raise MoveError(
            f"the target's event counter is not at 0 ({head}): move into a new database"
        )
    beat = dst.execute(
        b"SELECT count(*) FROM instances WHERE heartbeat_at > %s", (time.time() - RUNNING_WITHIN_S,)
    ).fetchone()
    if beat and beat[0]:
        raise MoveError("a chatsup server is running on the target: stop it, then move")
    t0 = time.perf_counter()
    src.execute("BEGIN")  # one snapshot of the whole source
    try:
        for t in tables:
            dst.execute(f"ALTER TABLE {t.name} DISABLE TRIGGER USER".encode())
        foreign = _drop_foreign_keys(dst, tables)
        for t in tables:
            _copy_table(src, dst, t, progress, batch)
        _add_foreign_keys(dst, foreign, progress)
        last_event_id = _last_event_id(src)
        commit_seq = _commit_seq(src)
        _set_counters(dst, tables, last_event_id, commit_seq)
        for t in tables:
            dst.execute(f"ALTER TABLE {t.name} ENABLE TRIGGER USER".encode())
        dst.execute(b"COMMIT")
    finally:
        src.execute("COMMIT")
    return MoveReport(
        tables={t.name: t.rows for t in tables},
        last_event_id=last_event_id,
        commit_seq=commit_seq,
        copy_seconds=time.perf_counter() - t0,
    )


def _drop_foreign_keys(
    dst: psycopg.Connection[Any], tables: list[Table]
) -> list[tuple[str, str, str]]:
    """The copied tables' foreign keys, dropped for the copy (in its
    transaction): checked row by row they made the copy several times
    slower than checking each once over the whole table afterwards."""
    keys = [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in dst.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace = current_schema()::regnamespace"
            " AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            ([t.name for t in tables],),
        )
    ]
    for table, name, _definition in keys:
        dst.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'.encode())
    return keys


def _add_foreign_keys(
    dst: psycopg.Connection[Any], keys: list[tuple[str, str, str]], progress: Callable[[str], None]
) -> None:
    """The foreign keys back, each checked over its whole table (a row of
    the source pointing nowhere stops the move, named)."""
    t0 = time.monotonic()
    for table, name, definition in keys:
        try:
            dst.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'.encode())
        except psycopg.errors.ForeignKeyViolation as e:
            raise MoveError(f"{table}: a row points nowhere ({name}): {e}") from e
    progress(f"foreign keys checked: {len(keys)} ({time.monotonic() - t0:.1f} s)")


def _copy_table(
    src: sqlite3.Connection,
    dst: psycopg.Connection[Any],
    t: Table,
    progress: Callable[[str], None],
    batch: int,
) -> None:
    total = int(src.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0])
    t0 = last_shown = time.monotonic()
    convert = list(t.convert.items())
    sql = f"COPY {t.name} ({', '.join(t.columns)}) FROM STDIN"
    try:
        with dst.cursor().copy(sql.encode()) as cp:
            for row in _rows(src, t, batch):
                if convert:
                    values = list(row)
                    for i, fn in convert:
                        values[i] = fn(values[i])
                    cp.write_row(values)
                else:
                    cp.write_row(row)
                t.rows += 1
                if t.rows % batch == 0 and time.monotonic() - last_shown >= PROGRESS_EVERY_S:
                    last_shown = time.monotonic()
                    rate = t.rows / max(last_shown - t0, 1e-9)
                    progress(f"  {t.name}: {t.rows:,} / {total:,} rows ({rate:,.0f} rows/s)")
    except (psycopg.Error, UnicodeDecodeError) as e:
        raise MoveError(f"copying {t.name} failed after {t.rows:,} rows: {e}") from e
    if t.rows != total:
        raise MoveError(f"copying {t.name}: {t.rows} rows copied, the source has {total}")
    progress(f"{t.name}: {t.rows:,} rows ({time.monotonic() - t0:.1f} s)")


def _set_counters(
    dst: psycopg.Connection[Any], tables: list[Table], last_event_id: int, commit_seq: int
) -> None:
    """Every counter past what was copied, so new writes continue after it."""
    owned: set[str] = set()
    for t in tables:
        for col in t.columns:
            seq = dst.execute("SELECT pg_get_serial_sequence(%s, %s)", (t.name, col)).fetchone()
            if seq is None or seq[0] is None:
                continue
            owned.add(str(seq[0]).split(".")[-1].strip('"'))
            _setval(dst, str(seq[0]), t.name, col)
    free = [
        r[0]
        for r in dst.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
        )
        if r[0] not in owned
    ]
    unknown = [s for s in free if s not in FREE_SEQUENCES]
    if unknown:
        raise MoveError(f"no rule to set the sequence(s) {', '.join(unknown)}")
    for s in free:
        _setval(dst, s, *FREE_SEQUENCES[s])
    dst.execute(
        b"UPDATE stream_head SET last_id = %s, commit_seq = %s", (last_event_id, commit_seq)
    )


def _setval(dst: psycopg.Connection[Any], seq: str, table: str, col: str) -> None:
    dst.execute(
        f"SELECT setval(%s, coalesce((SELECT max({col}) FROM {table}), 1),"
        f" (SELECT max({col}) FROM {table}) IS NOT NULL)".encode(),
        (seq,),
    )
