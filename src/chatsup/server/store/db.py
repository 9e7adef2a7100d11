"""The SQLite store: one writer thread with group commit, a pool of readers.

Writes are functions `fn(tx, *args)` run on the writer thread. The writer
takes every write waiting in its queue, runs them in one `BEGIN IMMEDIATE`
transaction (each inside its own SAVEPOINT, so one failing write does not
undo the others), commits once, and only then resolves the callers' futures
and publishes the events the writes appended to the log. An acknowledged
write is therefore a committed one, and with `synchronous=FULL` a durable one.

Reads are functions `fn(rx, *args)` run on a small thread pool, each thread
with its own read-only connection: a request does all of its database work in
one hop to a thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import orjson

from chatsup.server.store.schema import MIGRATIONS

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MAX_BATCH = 512
CHECKPOINT_EVERY_S = 0.5
REPORT_READERS = 2
# How often (in SQLite VM steps) a report's query checks whether it was abandoned.
PROGRESS_STEPS = 10_000  # WAL pages copied back to the database this often (PASSIVE)


@dataclass
class PendingEvent:
    id: int
    type: str
    at: float
    data: dict[str, Any]


@dataclass
class Tx:
    """What a write function gets: the connection and the event log."""

    conn: sqlite3.Connection
    now: float
    tz: ZoneInfo
    log_events: bool = True
    events: list[PendingEvent] = field(default_factory=list)

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def emit(self, type_: str, data: dict[str, Any], at: float | None = None) -> int | None:
        """Append an event to the log in this transaction; returns its id."""
        if not self.log_events:
            return None
        at = self.now if at is None else at
        cur = self.conn.execute(
            "INSERT INTO events(at, type, data) VALUES (?, ?, ?)",
            (at, type_, orjson.dumps(data)),
        )
        eid = int(cur.lastrowid or 0)
        self.events.append(PendingEvent(eid, type_, at, data))
        return eid


@dataclass
class Rx:
    """What a read function gets: a read-only connection and the time zone."""

    conn: sqlite3.Connection
    tz: ZoneInfo
    cache: Any = None  # the store's BucketCache (report figures of ended buckets)

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]


def _connect(path: Path, synchronous: str, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA mmap_size = 268435456")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def _settle_on_loop(outcomes: list[tuple[Any, Any, BaseException | None]]) -> None:
    for fut, result, exc in outcomes:
        if fut.done():  # cancelled while waiting
            continue
        if exc is None:
            fut.set_result(result)
        else:
            fut.set_exception(exc)


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


class Store:
    """The embedded store. Open with `Store.open(path)`; close when done."""

    def __init__(self, path: Path, *, tz: ZoneInfo, synchronous: str = "full") -> None:
        self.path = Path(path)
        self.tz = tz
        from chatsup.server.store.report_cache import BucketCache  # (it imports Rx)

        self.report_cache = BucketCache()
        self.synchronous = synchronous
        self.on_commit: Callable[[list[PendingEvent]], None] | None = None
        # The time writes are stamped with; tests may set a fake clock.
        self.clock: Callable[[], float] = time.time
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="chatsup-read"
        )
        # Reports and statistics run on their own readers, so a heavy range
        # never holds up a visitor's session start or an advisor's list.
        self._report_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=REPORT_READERS, thread_name_prefix="chatsup-report"
        )
        self.reports_running = 0  # (tests and diagnostics: the report pool's load)
        self._writer = threading.Thread(target=self._run_writer, name="chatsup-write", daemon=True)
        self._wconn: sqlite3.Connection | None = None
        self._closed = False
        self._stop_checkpoints = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._run_checkpoints, name="chatsup-checkpoint", daemon=True
        )

    @classmethod
    def open(
        cls, path: Path | str, *, tz: ZoneInfo | None = None, synchronous: str = "full"
    ) -> Store:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, tz=tz or ZoneInfo("UTC"), synchronous=synchronous)
        conn = _connect(path, synchronous)
        migrate(conn)
        # WAL checkpoints run on their own thread, not inside the writer's
        # COMMIT (where they held up every acknowledgement behind them)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        store._wconn = conn
        store._writer.start()
        store._checkpointer.start()
        return store

    def _run_checkpoints(self) -> None:
        conn = _connect(self.path, self.synchronous)
        try:
            while not self._stop_checkpoints.wait(CHECKPOINT_EVERY_S):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    log.exception("WAL checkpoint failed (the next one retries)")
        finally:
            conn.close()

    # -- writes ---------------------------------------------------------------

    def submit(
        self, fn: Callable[..., R], *args: Any, log_events: bool = True
    ) -> concurrent.futures.Future[R]:
        if self._closed:
            raise RuntimeError("store is closed")
        fut: concurrent.futures.Future[R] = concurrent.futures.Future()
        self._queue.put((fn, args, fut, log_events))
        return fut

    async def write(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a write on the writer thread; returns once it is committed."""
        # An asyncio future, settled on its loop once per committed batch
        # (not one thread-safe wake-up of the loop per write).
        if self._closed:
            raise RuntimeError("store is closed")
        fut: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put((fn, args, fut, True))
        return await fut

    def write_sync(self, fn: Callable[..., R], *args: Any, log_events: bool = True) -> R:
        return self.submit(fn, *args, log_events=log_events).result()

    def _run_writer(self) -> None:
        conn = self._wconn
        assert conn is not None
        while True:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._commit_batch(conn, batch)
            if stop:
                break
        conn.close()

    def _commit_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        outcomes: list[tuple[Any, Any, BaseException | None]] = []
        events: list[PendingEvent] = []
        now = self.clock()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self._settle([(fut, None, e) for _fn, _args, fut, _le in batch])
            return
        for fn, args, fut, log_events in batch:
            if isinstance(fut, concurrent.futures.Future):
                if not fut.set_running_or_notify_cancel():
                    continue
            elif fut.cancelled():  # (a racy read is fine: settling checks again)
                continue
            tx = Tx(conn, now, self.tz, log_events)
            try:
                conn.execute("SAVEPOINT w")
                result = fn(tx, *args)
            except BaseException as e:  # the caller gets it; the others go on
                if not self._undo_one(conn):
                    # SQLite rolled the whole transaction back (a full disk,
                    # an I/O error): nothing of this batch is stored or told so;
                    # each caller hears of it (and the server logs it once there)
                    outcomes.append((fut, None, e))
                    self._settle([(f, None, e) for f, _r, _e in outcomes])
                    self._settle([(f, None, e) for _f, _a, f, _l in batch if not f.done()])
                    return
                outcomes.append((fut, None, e))
                continue
            conn.execute("RELEASE w")
            events.extend(tx.events)
            outcomes.append((fut, result, None))
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            log.error("commit failed: %s", e)  # one line: each caller hears of it too
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._settle([(fut, None, e) for fut, _r, _e in outcomes])
            return
        if events and self.on_commit is not None:
            try:
                self.on_commit(events)
            except Exception:  # publishing must never lose an acknowledged write
                log.exception("publishing events failed")
        self._settle(outcomes)

    @staticmethod
    def _undo_one(conn: sqlite3.Connection) -> bool:
        """Undo the write that just failed; False when the transaction itself
        is gone (SQLite rolls back on SQLITE_FULL, SQLITE_IOERR, ...)."""
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

    @staticmethod
    def _settle(outcomes: list[tuple[Any, Any, BaseException | None]]) -> None:
        """Give each write its outcome: thread futures directly, asyncio ones
        in one callback per event loop."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Any, BaseException | None]]] = {}
        for out in outcomes:
            fut = out[0]
            if isinstance(fut, concurrent.futures.Future):
                if out[2] is None:
                    fut.set_result(out[1])
                else:
                    fut.set_exception(out[2])
            else:
                by_loop.setdefault(fut.get_loop(), []).append(out)
        for loop, outs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_on_loop, outs)
            except RuntimeError:  # that loop has closed: nobody is waiting
                pass

    # -- reads ----------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, self.synchronous, readonly=True)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def read_sync(self, fn: Callable[..., R], *args: Any) -> R:
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            return fn(Rx(conn, self.tz, self.report_cache), *args)
        finally:
            conn.execute("COMMIT")

    async def read(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a read (all of a request's queries) in one hop to a thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.read_sync, fn, *args)

    async def read_report(self, fn: Callable[..., R], *args: Any) -> R:
        """A read on the report pool that stops when its caller is cancelled
        (the client left): the running statement is interrupted and every
        later one refused, so the thread is free again at once."""
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        lock = threading.Lock()
        running: list[sqlite3.Connection] = []

        def job() -> R:
            conn = self._reader()
            with lock:
                if stop.is_set():
                    raise sqlite3.OperationalError("interrupted")
                running.append(conn)
                self.reports_running += 1
            conn.set_progress_handler(lambda: 1 if stop.is_set() else 0, PROGRESS_STEPS)
            try:
                conn.execute("BEGIN")
                return fn(Rx(conn, self.tz, self.report_cache), *args)
            finally:
                conn.set_progress_handler(None, 0)
                if conn.in_transaction:
                    conn.execute("COMMIT")
                with lock:
                    running.clear()
                    self.reports_running -= 1

        fut = loop.run_in_executor(self._report_pool, job)
        try:
            return await fut
        except asyncio.CancelledError:
            with lock:
                stop.set()
                for conn in running:
                    conn.interrupt()
            raise

    # -- life -----------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop_checkpoints.set()
        self._checkpointer.join(timeout=30)
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._pool.shutdown(wait=True)
        self._report_pool.shutdown(wait=True)
        with self._readers_lock:
            for conn in self._readers:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._readers.clear()
