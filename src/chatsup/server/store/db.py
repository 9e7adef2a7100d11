"""The store: one writer thread with group commit, a pool of readers, over an
engine (engine_sqlite.py: SQLite today; the statements another database
writes its own way are in dialect.py).

Writes are functions `fn(tx, *args)` run on the writer thread. The writer
takes every write waiting in its queue, runs them in one write transaction
(`BEGIN IMMEDIATE` on SQLite), each inside its own SAVEPOINT so one failing
write does not undo the others, commits once, and only then resolves the
callers' futures and publishes the events the writes appended to the log
(inserted in one statement as the batch commits: engine_sqlite.py).
An acknowledged write is therefore a committed one, and with
`synchronous=FULL` a durable one.

PostgreSQL: the counter row (stream_head) is the last lock a transaction
takes, so that two processes' batches cannot deadlock (one holding it and
waiting for a row the other holds, the other waiting for it to commit). The
batch takes it as it commits (event ids, the writes' report touches), and a
write that takes it itself (`Tx.commit_order_locked`: saving rollups) ends
its batch: the writes queued after it run in the next transaction.

Reads are functions `fn(rx, *args)` run on a small thread pool, each thread
with its own read-only connection: a request does all of its database work in
one hop to a thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple
from zoneinfo import ZoneInfo

from chatsup.server.store import rollups, touches
from chatsup.server.store.engine_sqlite import SqliteEngine
from chatsup.server.store.errors import BadInput, Forbidden, NotFound, RetryAlone
from chatsup.server.store.report_cache import BucketCache
from chatsup.server.store.rollups import Rollup
from chatsup.server.store.tx import PendingEvent, Rx, Tx

log = logging.getLogger(__name__)

Ts = TypeVarTuple("Ts")  # a store function's arguments after its Tx/Rx
R = TypeVar("R")

MAX_BATCH = 512
CHECKPOINT_EVERY_S = 0.5  # WAL pages copied back to the database this often (PASSIVE)
# A WAL holding this many frames is started again from its beginning: the
# writer copies the last frames itself, between two batches (see
# `_restart_wal`). ~8 MiB of 4 KiB pages.
RESTART_FRAMES = 2000
# ... at a moment its queue is empty, or after this long whatever the queue holds
RESTART_WAIT_S = 1.0
REPORT_READERS = 2
# How often (in SQLite VM steps) a report's query checks whether it was abandoned.
PROGRESS_STEPS = 10_000
# Strict: an emitted event whose type has no model in chatsup.domain.events,
# or whose data does not match its model byte for byte, fails its write (the
# test suite runs this way). Otherwise only the type is checked, and an
# unknown one is logged and published untyped.
STRICT_EVENTS_ENV = "CHATSUP_STRICT_EVENTS"


RETRIES = 3  # a write that lost a race (PostgreSQL) runs again, alone, this often
# What a write raises on purpose (a field it cannot use, a row that is not
# there, a chat another advisor holds, ...): with no row changed, nothing of
# it needs undoing (`Store._commit_batch`)
UNDONE_BY_COUNT = (BadInput, NotFound, Forbidden, RetryAlone)


def _never(_exc: BaseException) -> bool:
    return False


def _pg(url: str) -> Any:
    from chatsup.server.store.engine_pg import PgEngine  # needs chatsup[postgres]

    return PgEngine(url)


def strict_events() -> bool:
    return os.environ.get(STRICT_EVENTS_ENV, "") not in ("", "0")


def _log_failure(
    storage_error: type[BaseException],
) -> Callable[[concurrent.futures.Future[Any]], None]:
    """A done-callback that logs a failed background write: a storage error
    (a full disk, the database away) in one line, as the HTTP answers say
    them (server/errors.py), so that a full disk does not flood the log
    with a traceback per read; anything else with its traceback."""

    def done(fut: concurrent.futures.Future[Any]) -> None:
        if fut.cancelled() or (exc := fut.exception()) is None:
            return
        if isinstance(exc, storage_error):
            log.error("keeping report figures failed: %s", str(exc)[:200])
        else:
            log.error("keeping report figures failed", exc_info=exc)

    return done


def _settle_on_loop(
    outcomes: list[tuple[Any, Any, BaseException | None]],
    publish: Callable[[list[PendingEvent]], None] | None = None,
    events: list[PendingEvent] | None = None,
) -> None:
    if publish is not None and events:
        try:
            publish(events)  # before the writes are answered, as they committed
        except Exception:  # publishing must never lose an acknowledged write
            log.exception("publishing events failed")
    for fut, result, exc in outcomes:
        if fut.done():  # cancelled while waiting
            continue
        if exc is None:
            fut.set_result(result)
        else:
            fut.set_exception(exc)


class Store:
    """The embedded store. Open with `Store.open(path)`; close when done."""

    def __init__(
        self, path: Path, *, tz: ZoneInfo, synchronous: str = "full", url: str | None = None
    ) -> None:
        self.path = Path(path)
        self.tz = tz
        self.engine: Any = SqliteEngine(self.path, synchronous) if url is None else _pg(url)
        self._max_batch: int = getattr(self.engine, "max_batch", MAX_BATCH)
        self.report_cache = BucketCache(persist=self.keep_rollups)
        self.synchronous = synchronous
        self.strict_events = strict_events()
        # Where committed events go: `on_commit` is called on the writer
        # thread; `publish_on` (a loop, a function) runs on that loop in the
        # one callback that also answers the batch's writes of that loop
        # (events first): one wake-up of the loop a commit, not two.
        self.on_commit: Callable[[list[PendingEvent]], None] | None = None
        self.publish_on: (
            tuple[asyncio.AbstractEventLoop, Callable[[list[PendingEvent]], None]] | None
        ) = None
        # The newest event id this process has committed, set before its
        # commit is acknowledged (and published): a socket opened after a
        # write returned starts past that write's events, however far the
        # hub's feed lags (PostgreSQL).
        self.committed_event_id = 0
        # The time writes are stamped with; tests may set a fake clock.
        self.clock: Callable[[], float] = time.time
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._local = threading.local()
        self._readers: list[Any] = []
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
        self._wconn: Any = None
        self._closed = False
        self._stop_checkpoints = threading.Event()
        self._restart_due = (
            0.0  # (monotonic) when the checkpointer asked the writer to restart the WAL
        )
        self._checkpointer = threading.Thread(
            target=self._run_checkpoints, name="chatsup-checkpoint", daemon=True
        )

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        tz: ZoneInfo | None = None,
        synchronous: str = "full",
        url: str | None = None,
    ) -> Store:
        """The store in the SQLite file `path`, or in PostgreSQL at `url` when
        given (then `path` is not used)."""
        path = Path(path)
        if url is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, tz=tz or ZoneInfo("UTC"), synchronous=synchronous, url=url)
        store._wconn = store.engine.open_writer()
        store._writer.start()
        if store.engine.name == "sqlite":
            store._checkpointer.start()
        return store

    def _run_checkpoints(self) -> None:
        """Copy the WAL back to the database every CHECKPOINT_EVERY_S, off
        the writer's path; once the WAL is long, ask the writer to finish the
        job (`_restart_wal`)."""
        conn = self.engine.connect()
        try:
            while not self._stop_checkpoints.wait(CHECKPOINT_EVERY_S):
                try:
                    frames, _copied = self.engine.checkpoint(conn)
                except self.engine.Error:
                    log.exception("WAL checkpoint failed (the next one retries)")
                    continue
                if frames >= RESTART_FRAMES and not self._restart_due:
                    self._restart_due = time.monotonic()
        finally:
            conn.close()

    def _restart_wal(self, conn: Any) -> None:
        """Copy the WAL's last frames to the database from the writer, between
        two batches, so that the next batch starts the WAL again from its
        beginning. Under a steady stream of commits the checkpointer's passes
        never catch up with the last commit, and SQLite starts a WAL again
        only once every frame is copied: the file grew by every commit
        (~80 KiB for a lone message) and each commit's fsync had to journal
        the file's new size as well. The checkpointer has copied nearly
        everything by then: what is left is the frames of the last moments,
        and the writer runs it when its queue is empty (a write arriving
        meanwhile waits for it), or after RESTART_WAIT_S in any case."""
        due = self._restart_due
        if not due or (not self._queue.empty() and time.monotonic() - due < RESTART_WAIT_S):
            return
        try:
            frames = self.engine.checkpoint(conn)[0]
        except self.engine.Error:
            log.exception("WAL checkpoint failed (the next one retries)")
            frames = 0
        if frames >= 0:  # (-1: the checkpointer's own pass ran: try after the next batch)
            self._restart_due = 0.0

    # -- writes ---------------------------------------------------------------

    def submit(
        self, fn: Callable[[Tx, *Ts], R], *args: *Ts, log_events: bool = True
    ) -> concurrent.futures.Future[R]:
        if self._closed:
            raise RuntimeError("store is closed")
        fut: concurrent.futures.Future[R] = concurrent.futures.Future()
        self._queue.put((fn, args, fut, log_events, None))
        return fut

    async def write(self, fn: Callable[[Tx, *Ts], R], *args: *Ts, chain: object | None = None) -> R:
        """Run a write on the writer thread; returns once it is committed.

        The write is queued before this coroutine first suspends: writes
        started in an order are stored in that order. `chain` (any hashable,
        e.g. one socket's sender) keeps that order even when a write must run
        again alone (it lost a race, PostgreSQL): the later writes of its
        chain in the same batch wait and run after it."""
        return await self.write_soon(fn, *args, chain=chain)

    def write_soon(
        self, fn: Callable[[Tx, *Ts], R], *args: *Ts, chain: object | None = None
    ) -> asyncio.Future[R]:
        """`write`, queued now: the future of its outcome (no coroutine, no
        task: a chat socket chains its reply on it)."""
        # An asyncio future, settled on its loop once per committed batch
        # (not one thread-safe wake-up of the loop per write).
        if self._closed:
            raise RuntimeError("store is closed")
        fut: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put((fn, args, fut, True, chain))
        return fut

    def write_sync(self, fn: Callable[[Tx, *Ts], R], *args: *Ts, log_events: bool = True) -> R:
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
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            while batch:
                conn = self._writer_connection(conn)
                if conn is None:  # none to be had now: these fail, the next batch tries again
                    error = self.engine.Error("the database cannot be reached")
                    self._settle([(item[2], None, error) for item in batch])
                    break
                batch = self._commit_batch(conn, batch)
            if conn is not None:
                self._restart_wal(conn)
            if stop:
                break
        if conn is not None:
            conn.close()

    def _writer_connection(self, conn: Any) -> Any:
        """The writer's connection, a new one if the old was lost
        (PostgreSQL: a restart or failover of the server ends every session;
        the write that met it failed, the next ones go on). None: no new one
        could be opened."""
        if conn is not None and not self.engine.lost(conn):
            return conn
        if conn is not None:
            log.warning("the writer's database connection was lost: opening a new one")
            with contextlib.suppress(Exception):
                conn.close()
        try:
            self._wconn = self.engine.connect()
        except self.engine.Error as e:
            log.error("the writer could not reconnect: %s", e)
            self._wconn = None
        return self._wconn

    def _commit_batch(
        self, conn: Any, batch: list[Any], attempt: int = 0, careful: bool = False
    ) -> list[Any]:
        """Run and commit `batch`; answers the writes left for the next
        transaction (those after one that took the counter row).

        Each write runs inside its own SAVEPOINT, so that one failing does
        not undo the others, except on an engine that counts the rows each
        write changes (SQLite, `undo_by_count`): there a write runs without
        one (two statements less a write), and one that fails with a store
        error (`UNDONE_BY_COUNT`) having changed no row has nothing to undo.
        Any other failure rolls the transaction back and runs the batch
        again, `careful`: each write in its own savepoint, as before."""
        outcomes: list[tuple[Any, Any, BaseException | None]] = []
        events: list[PendingEvent] = []
        touched: dict[str, set[float]] = {}  # (PostgreSQL: recorded as it commits)
        again: list[Any] = []  # writes that lost a race (PostgreSQL): run alone next
        rest: list[Any] = []
        now = self.clock()
        engine = self.engine
        careful = careful or attempt > 0 or not getattr(engine, "undo_by_count", False)
        mark = 0
        try:
            engine.begin_write(conn)
        except engine.Error as e:
            self._settle([(item[2], None, e) for item in batch])
            return []
        held: set[object] = set()  # chains with a write set aside to run again
        for i, item in enumerate(batch):
            fn, args, fut, log_events, chain = item
            if chain is not None and chain in held:
                again.append(item)  # after the earlier write of its chain
                continue
            if isinstance(fut, concurrent.futures.Future):
                if fut.cancelled():
                    continue
                if not fut.running() and not fut.set_running_or_notify_cancel():
                    continue  # (running: this batch runs again, or the write alone)
            elif fut.cancelled():  # (a racy read is fine: settling checks again)
                continue
            tx = Tx(
                engine,
                conn,
                self.tz,
                now=now,
                log_events=log_events,
                strict_events=self.strict_events,
            )
            try:
                if careful:
                    engine.savepoint(conn)
                else:
                    mark = engine.mark_write(conn)
                result = fn(tx, *args)
            except BaseException as e:  # the caller gets it; the others go on
                if not careful and not (
                    isinstance(e, UNDONE_BY_COUNT) and engine.forget_write(conn, mark)
                ):
                    # it may have changed rows, and no savepoint holds what
                    # was before it: the batch runs again, each write alone
                    if engine.in_transaction(conn):
                        try:
                            engine.rollback(conn)
                        except engine.Error:
                            pass
                    return self._commit_batch(conn, batch, attempt, careful=True)
                if careful and not engine.undo_write(conn):
                    # The database rolled the whole transaction back (a full
                    # disk, an I/O error): nothing of this batch is stored or
                    # told so; each caller hears of it (the server logs it once)
                    outcomes.append((fut, None, e))
                    self._settle([(f, None, e) for f, _r, _e in outcomes])
                    self._settle([(it[2], None, e) for it in batch if not it[2].done()])
                    return []
                if attempt < RETRIES and (
                    isinstance(e, RetryAlone) or getattr(engine, "retryable", _never)(e)
                ):
                    again.append(item)
                    if chain is not None:
                        held.add(chain)
                else:
                    outcomes.append((fut, None, e))
                continue
            if careful:
                engine.release(conn)
            events.extend(tx.events)
            outcomes.append((fut, result, None))
            if engine.numbers_events_at_commit:
                for table, ats in tx.touched.items():
                    touched.setdefault(table, set()).update(ats)
            if tx.commit_order_locked:
                rest = batch[i + 1 :]
                break
        try:
            if touched:
                touches.touch_all(Tx(engine, conn, self.tz, now=now), touched)
            if events and engine.numbers_events_at_commit:
                engine.number_events(conn, events)
            elif events:
                engine.insert_events(conn, events)
            engine.commit(conn)
        except engine.Error as e:
            log.error("commit failed: %s", e)  # one line: each caller hears of it too
            try:
                engine.rollback(conn)
            except engine.Error:
                pass
            self._settle([(fut, None, e) for fut, _r, _e in outcomes])
            self._settle([(item[2], None, e) for item in again])
            return rest
        if events:
            self.committed_event_id = max(self.committed_event_id, max(e.id for e in events))
        if events and self.on_commit is not None:
            try:
                self.on_commit(events)
            except Exception:  # publishing must never lose an acknowledged write
                log.exception("publishing events failed")
        self._settle(outcomes, events)
        for item in again:
            self._commit_batch(conn, [item], attempt + 1)
        return rest

    def _settle(
        self,
        outcomes: list[tuple[Any, Any, BaseException | None]],
        events: list[PendingEvent] | None = None,
    ) -> None:
        """Give each write its outcome: thread futures directly, asyncio ones
        in one callback per event loop, which publishes the batch's `events`
        first on the loop of `publish_on`."""
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
        target = self.publish_on if events else None
        if target is not None:
            by_loop.setdefault(target[0], [])
        for loop, outs in by_loop.items():
            try:
                if target is not None and loop is target[0]:
                    loop.call_soon_threadsafe(_settle_on_loop, outs, target[1], events)
                else:
                    loop.call_soon_threadsafe(_settle_on_loop, outs)
            except RuntimeError:  # that loop has closed: nobody is waiting
                pass

    def keep_rollups(self, kept: list[Rollup]) -> None:
        """Write figures a read computed into the store (store/rollups.py),
        without waiting: the reader answers meanwhile."""
        for i in range(0, len(kept), rollups.SAVE_BATCH):
            try:
                fut = self.submit(rollups.save, kept[i : i + rollups.SAVE_BATCH])
            except RuntimeError:  # closed: they are computed again next time
                return
            fut.add_done_callback(_log_failure(self.engine.Error))

    # -- reads ----------------------------------------------------------------

    def _reader(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self.engine.lost(conn):  # (PostgreSQL: see _writer_connection)
            with self._readers_lock:
                self._readers.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()
            conn = None
        if conn is None:
            conn = self.engine.connect(readonly=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _on_a_reader(
        self, run: Callable[[Any], R], stopped: Callable[[], bool] = lambda: False
    ) -> R:
        """`run(conn)` on this thread's reader connection. A session the
        database ended under it (a PostgreSQL restart, a failover) is seen
        only when a statement fails on it: a read changes nothing, so it runs
        once more on a new connection (unless `stopped()`), and a restart
        costs the readers' threads no failed request (the writer's is
        answered 503)."""
        for again in (False, True):
            conn = self._reader()
            try:
                return run(conn)
            except self.engine.Error:
                if again or stopped() or not self.engine.lost(conn):
                    raise
        raise AssertionError("unreachable")

    def read_sync(self, fn: Callable[[Rx, *Ts], R], *args: *Ts) -> R:
        """`fn` in a read transaction on this thread's connection."""

        def once(conn: Any) -> R:
            self.engine.begin_read(conn)
            try:
                return fn(Rx(self.engine, conn, self.tz, self.report_cache), *args)
            finally:
                self.engine.end_read(conn)

        return self._on_a_reader(once)

    async def read(self, fn: Callable[[Rx, *Ts], R], *args: *Ts) -> R:
        """Run a read (all of a request's queries) in one hop to a thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.read_sync, fn, *args)

    async def read_report(self, fn: Callable[[Rx, *Ts], R], *args: *Ts) -> R:
        """A read on the report pool that stops when its caller is cancelled
        (the client left): the running statement is interrupted and every
        later one refused, so the thread is free again at once."""
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        lock = threading.Lock()
        running: list[Any] = []
        engine = self.engine

        def once(conn: Any) -> R:
            with lock:
                if stop.is_set():
                    raise engine.Error("interrupted")
                running.append(conn)
                self.reports_running += 1
            try:
                engine.watch(conn, stop.is_set, PROGRESS_STEPS)
                try:
                    engine.begin_read(conn)
                    return fn(Rx(engine, conn, self.tz, self.report_cache), *args)
                finally:
                    engine.unwatch(conn)
                    engine.end_read(conn)
            finally:
                with lock:
                    running.clear()
                    self.reports_running -= 1

        def job() -> R:
            return self._on_a_reader(once, stop.is_set)

        fut = loop.run_in_executor(self._report_pool, job)
        try:
            return await fut
        except asyncio.CancelledError:
            with lock:
                stop.set()
                for conn in running:
                    engine.interrupt(conn)
            raise

    # -- life -----------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop_checkpoints.set()
        if self._checkpointer.is_alive():
            self._checkpointer.join(timeout=30)
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._pool.shutdown(wait=True)
        self._report_pool.shutdown(wait=True)
        with self._readers_lock:
            for conn in self._readers:
                try:
                    conn.close()
                except self.engine.Error:
                    pass
            self._readers.clear()
