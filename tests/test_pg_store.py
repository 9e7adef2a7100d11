"""The PostgreSQL engine on its own: the write races a single SQLite writer
hid (shared/design/SCALE-OUT.md §1), with two stores (as two processes
would be) writing to one database at once, and its search, migrations and
health. The contract suites run the server on both engines (conftest.py)."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from chatsup.server.store import Store, sites
from chatsup.server.store import agents as agents_store
from chatsup.server.store import calls as calls_store
from chatsup.server.store import messages as messages_store
from chatsup.server.store import visits as visits_store
from chatsup.server.store.errors import BadInput
from chatsup.server.store.schema_pg import PG_MIGRATIONS
from tests import pg
from tests.harness import World

N = 40


@pytest.fixture
def two(pg_url: str, tmp_path: Any) -> Iterator[tuple[Store, Store]]:
    a = Store.open(tmp_path / "unused.db", url=pg_url)
    b = Store.open(tmp_path / "unused.db", url=pg_url)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def outcomes(futs: list[concurrent.futures.Future[Any]]) -> list[Any]:
    out: list[Any] = []
    for f in futs:
        try:
            out.append(f.result(timeout=60))
        except Exception as e:
            out.append(e)
    return out


def visitors(store: Store, n: int) -> tuple[int, list[tuple[int, int]]]:
    site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
    started = [store.write_sync(visits_store.start_session, visits_store.Visit(site, None))]
    started += [
        store.write_sync(visits_store.start_session, visits_store.Visit(site, None))
        for _ in range(n - 1)
    ]
    return site, [(s["visitor_id"], s["session_id"]) for s in started]


def test_visitor_numbers_are_distinct_across_writers(two: tuple[Store, Store]) -> None:
    a, b = two
    site = a.write_sync(sites.create_site, "Shop", "shop.example")["id"]
    futs = [
        s.submit(visits_store.start_session, visits_store.Visit(site, None))
        for _ in range(N)
        for s in (a, b)
    ]
    numbers = [r["visitor_number"] for r in outcomes(futs)]
    assert len(set(numbers)) == 2 * N


def test_one_open_conversation_per_visitor_across_writers(two: tuple[Store, Store]) -> None:
    """Both writers send each visitor's first message at once: without the
    visitor row locked first, both find no open chat and open one each."""
    a, b = two
    site, vs = visitors(a, N)
    futs = [
        s.submit(
            messages_store.visitor_message, vid, sid, site, messages_store.NewMessage(f"hi {k}")
        )
        for vid, sid in vs
        for k, s in enumerate((a, b))
    ]
    results = outcomes(futs)
    assert not [r for r in results if isinstance(r, Exception)]
    rows = a.read_sync(
        lambda rx: rx.execute(
            "SELECT visitor_id, count(*), sum(message_count) FROM conversations GROUP BY visitor_id"
        ).fetchall()
    )
    assert sorted((r[1], r[2]) for r in rows) == [(1, 2)] * N


def test_a_retried_send_is_stored_once_across_writers(two: tuple[Store, Store]) -> None:
    """The same client key on both writers at once: one message; the loser
    (a unique violation) runs again alone and answers the original."""
    a, b = two
    site, vs = visitors(a, N)
    futs = [
        s.submit(
            messages_store.visitor_message,
            vid,
            sid,
            site,
            messages_store.NewMessage("once", client_key=f"k{vid}"),
        )
        for vid, sid in vs
        for s in (a, b)
    ]
    results = outcomes(futs)
    assert not [r for r in results if isinstance(r, Exception)]
    for first, second in zip(results[::2], results[1::2], strict=True):
        assert first["message_id"] == second["message_id"]
        assert first["event_id"] == second["event_id"] is not None
    count = a.read_sync(lambda rx: rx.scalar("SELECT count(*) FROM messages"))
    assert count == N


def test_first_answer_is_counted_once_across_writers(two: tuple[Store, Store]) -> None:
    a, b = two
    site, vs = visitors(a, N)
    agent = a.write_sync(agents_store.create_agent, "Alice", "alice@example.com")
    convs = [
        a.write_sync(messages_store.visitor_message, vid, sid, site, messages_store.NewMessage("?"))
        for vid, sid in vs
    ]
    futs = [
        s.submit(
            messages_store.agent_message,
            agent,
            c["conversation_id"],
            messages_store.NewMessage("!", at=c_at),
        )
        for c in convs
        for s, c_at in ((a, None), (b, None))
    ]
    assert not [r for r in outcomes(futs) if isinstance(r, Exception)]
    rows = a.read_sync(
        lambda rx: rx.execute(
            "SELECT count(*) FILTER (WHERE response_s IS NOT NULL),"
            " count(*) FILTER (WHERE first_answer = 1) FROM messages WHERE sender = 'agent'"
        ).fetchone()
    )
    # one visitor turn each: the first answer answers it, the second waits for nothing
    assert (rows[0], rows[1]) == (N, N)


def test_a_call_moves_once_across_writers(two: tuple[Store, Store]) -> None:
    a, b = two
    _site, vs = visitors(a, N)
    calls = [a.write_sync(calls_store.start_call, vid, None, None) for vid, _ in vs]
    futs = [
        s.submit(calls_store.update_call, cid, "answered", None) for cid in calls for s in (a, b)
    ]
    results = outcomes(futs)
    refused = [r for r in results if isinstance(r, BadInput)]
    assert len(refused) == N, results
    assert sum(isinstance(r, dict) for r in results) == N


def test_one_agent_per_email_across_writers(two: tuple[Store, Store]) -> None:
    a, b = two
    futs = [
        s.submit(agents_store.create_agent, f"A{k}", f"a{k}@example.com")
        for k in range(N)
        for s in (a, b)
    ]
    results = outcomes(futs)
    assert sum(isinstance(r, int) for r in results) == N
    refused = [r for r in results if isinstance(r, BadInput)]
    assert len(refused) == N and {r.field for r in refused} == {"email"}


def presence_then_fail(tx: Any, agent_id: int) -> None:
    """A write that emits an event, then fails (its savepoint is undone)."""
    agents_store.set_presence(tx, agent_id, "online")
    raise RuntimeError("after emitting")


def test_event_ids_follow_commits_without_gaps(two: tuple[Store, Store]) -> None:
    """Two writers emitting at once: the log's ids are 1..n, no gap (a
    rolled-back write gives its ids back)."""
    a, b = two
    site, vs = visitors(a, N)
    futs = [
        s.submit(messages_store.visitor_message, vid, sid, site, messages_store.NewMessage(t))
        for vid, sid in vs
        for s, t in ((a, "x"), (b, "y"))
    ]
    agent = a.write_sync(agents_store.create_agent, "Alice", "alice@example.com")
    futs += [s.submit(presence_then_fail, agent) for _ in range(N) for s in (a, b)]
    outcomes(futs)
    rows = a.read_sync(lambda rx: rx.execute("SELECT id, type FROM events ORDER BY id").fetchall())
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert "agent.presence" not in {r[1] for r in rows}
    assert a.read_sync(lambda rx: rx.dialect.latest_event_id(rx)) == len(rows)


def lock_two(tx: Any, first: int, then: int, meet: threading.Barrier, met: list[int]) -> int:
    """Lock visitor `first` and read it, wait for the other writer to do the
    same with its own, then lock and read `then` (a lock-order cycle, the
    first run only). A lock goes out with the read after it (dialect.py)."""
    tx.dialect.lock(tx, "visitors", first)
    tx.execute("SELECT number FROM visitors WHERE id = ?", (first,)).fetchone()
    if not met:
        met.append(1)
        meet.wait(10)
    tx.dialect.lock(tx, "visitors", then)
    tx.execute("SELECT number FROM visitors WHERE id = ?", (then,)).fetchone()
    return first


def test_a_deadlock_is_retried_alone_and_counted(two: tuple[Store, Store]) -> None:
    """Two writers lock two rows in opposite orders: PostgreSQL cancels one
    (a deadlock), whose write runs again alone and succeeds; the engines
    count the deadlock retries (/v1/health `write_retries`)."""
    a, b = two
    _site, vs = visitors(a, 2)
    (v1, _), (v2, _) = vs
    meet = threading.Barrier(2)
    fa = a.submit(lock_two, v1, v2, meet, [])
    fb = b.submit(lock_two, v2, v1, meet, [])
    assert (fa.result(30), fb.result(30)) == (v1, v2)
    deadlocks = a.engine.retries["deadlock"] + b.engine.retries["deadlock"]
    assert deadlocks >= 1, (a.engine.retries, b.engine.retries)


def test_search_matches_words_prefixes_and_accents(pg_url: str, tmp_path: Any) -> None:
    w = World(tmp_path, store_url=pg_url)
    try:
        v, _ = w.visitor()
        for body in ("Mon colis est arrivé abîmé", "remboursement@shop.example merci", "rien"):
            assert v.post("/v1/widget/messages", json={"body": body}).status_code == 201
        sup = w.sup()

        def found(q: str) -> list[str]:
            r = sup.get("/v1/conversations", params={"q": q})
            assert r.status_code == 200, r.text
            return [i.get("snippet", "") for i in r.json()["items"]]

        assert len(found("arrive abime")) == 1  # accents ignored both ways
        assert len(found("rembours*")) == 1  # a prefix
        assert found("rembours") == []  # a word is a whole token
        assert len(found("shop")) == 1  # an address splits into its words
        assert found("colis absent") == []  # every word must match
        assert "«colis»" in found("colis")[0]
        assert len(found("colis' & | !:*()\"")) == 1  # operators are never syntax
        assert found("absent' | 'colis") == []
    finally:
        w.close()


def test_health_names_the_store_and_the_instance(pg_url: str, tmp_path: Any) -> None:
    w = World(tmp_path, store_url=pg_url, store={"instance": "web-1"})
    try:
        health = httpx.get(f"{w.url}/v1/health").json()
        assert (health["store"], health["instance"]) == ("postgresql", "web-1")
        assert health["write_retries"] == {"deadlock": 0, "serialization": 0, "duplicate": 0}
    finally:
        w.close()


def test_migrate_command_creates_the_schema_once(pg_cluster: pg.Cluster, tmp_path: Any) -> None:
    name = pg_cluster.new_database()  # a copy of the migrated template: already current
    empty = f"e_{name}"
    pg_cluster.admin(f"CREATE DATABASE {empty}")  # and one with nothing in it
    try:
        for db in (empty, empty, name):
            url = pg_cluster.url(db)
            done = subprocess.run(
                [sys.executable, "-m", "chatsup.cli", "migrate", "--store-url", url],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "CHATSUP_STORE__PATH": str(tmp_path / "unused.db")},
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.startswith("postgresql store migrated: postgresql://127.0.0.1")
            import psycopg

            with psycopg.connect(url) as conn:
                versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
            assert versions == list(range(1, len(PG_MIGRATIONS) + 1))
        assert not (tmp_path / "unused.db").exists()
    finally:
        pg_cluster.drop_database(empty)
        pg_cluster.drop_database(name)


async def test_one_leader_at_a_time(pg_url: str) -> None:
    from chatsup.server.leader import Leader

    first, second = Leader(pg_url), Leader(pg_url)
    try:
        assert await first.held()
        assert not await second.held()
        assert await first.held()  # still
        await first.close()  # as a process that dies: its connection goes
        assert await second.held()
        assert not await first.held()
    finally:
        await first.close()
        await second.close()


def test_a_read_can_be_interrupted_from_another_thread(pg_url: str) -> None:
    """What the report pool does to a report whose client left."""
    import threading
    import time

    import psycopg

    from chatsup.server.store.engine_pg import PgEngine

    engine = PgEngine(pg_url)
    conn = engine.connect(readonly=True)
    try:
        engine.begin_read(conn)
        threading.Timer(0.2, engine.interrupt, (conn,)).start()
        t = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(10)")
        assert time.monotonic() - t < 5
        engine.end_read(conn)
        engine.begin_read(conn)  # the connection serves the next read
        assert conn.execute("SELECT 1").fetchone()[0] == 1
        engine.end_read(conn)
    finally:
        conn.close()


def presence_then_wait(tx: Any, agent_id: int) -> None:
    """A write that emits, then takes its time (a slow batch)."""
    import time

    agents_store.set_presence(tx, agent_id, "online")
    time.sleep(1.0)


def test_a_slow_write_does_not_hold_the_event_counter(two: tuple[Store, Store]) -> None:
    """Event ids are taken at the end of a transaction: another writer's
    events commit while a slow batch that already emitted is still running,
    and get the lower ids (ids follow commits)."""
    import time

    a, b = two
    slow_agent = a.write_sync(agents_store.create_agent, "Slow", "slow@example.com")
    fast_agent = a.write_sync(agents_store.create_agent, "Fast", "fast@example.com")
    slow = a.submit(presence_then_wait, slow_agent)
    time.sleep(0.3)
    t = time.monotonic()
    b.write_sync(agents_store.set_presence, fast_agent, "online")
    waited = time.monotonic() - t
    slow.result(timeout=10)
    assert waited < 0.5
    data = a.read_sync(lambda rx: [r[0] for r in rx.execute("SELECT data FROM events ORDER BY id")])
    assert [orjson.loads(d)["agent_id"] for d in data] == [fast_agent, slow_agent]


def test_a_retry_in_the_same_batch_answers_the_event_id(two: tuple[Store, Store]) -> None:
    """A send and its retry queued together (one batch): the retry answers
    the original's message and event, though that event is numbered only
    as the batch commits."""
    a, _b = two
    site, vs = visitors(a, 5)
    futs = [
        a.submit(
            messages_store.visitor_message,
            vid,
            sid,
            site,
            messages_store.NewMessage("once", client_key=f"k{vid}"),
        )
        for vid, sid in vs
        for _ in range(2)
    ]
    results = outcomes(futs)
    for first, again in zip(results[::2], results[1::2], strict=True):
        assert again["duplicate"] and again["message_id"] == first["message_id"]
        assert again["event_id"] == first["event_id"] is not None


def touch_then_wait(tx: Any, at: float, touched: threading.Event) -> None:
    """A write into the past (a report touch), then takes its time."""
    import time

    tx.touch("messages", at)
    touched.set()
    time.sleep(1.0)


def test_a_rollup_saved_while_another_writer_touches_its_bucket_is_not_kept(
    two: tuple[Store, Store],
) -> None:
    """A figure computed before a write into its bucket, saved while that
    write (another process) has not committed: the write records its touch
    as its batch commits (the counter row is the last lock it takes), after
    the save, and deletes the stale figure in the same commit."""
    import time

    from chatsup.server.store import rollups

    a, b = two
    at = time.time() - 3600
    mark = b.read_sync(rollups_mark)
    figure = rollups.Rollup("k", at - 100, at + 100, ("messages",), {"n": 1}, mark)
    touched = threading.Event()
    slow = a.submit(touch_then_wait, at, touched)
    assert touched.wait(timeout=30)
    b.write_sync(rollups.save, [figure])
    slow.result(timeout=10)
    assert b.read_sync(rollups.count) == 0


def rollups_mark(rx: Any) -> int:
    from chatsup.server.store.touches import touch_mark

    return touch_mark(rx)


def touch_the_past(tx: Any) -> None:
    """A write into the past: it records a report touch."""
    import time

    tx.touch("messages", time.time() - 3600)


def save_a_rollup(tx: Any) -> int:
    """Keep a figure: takes the counter row (rollups.save)."""
    import time

    from chatsup.server.store import rollups

    at = time.time() - 7200
    return rollups.save(tx, [rollups.Rollup("k", at - 100, at + 100, ("calls",), {"n": 1}, 0)])


def then_tell(tx: Any, fn: Any, told: threading.Event) -> Any:
    out = fn(tx)
    told.set()
    return out


def hold_row_until(tx: Any, agent_id: int, held: threading.Event, until: threading.Event) -> None:
    """Lock an agent's row (and emit: the batch takes the counter row as it
    commits), then wait until the other writer has run its first write."""
    agents_store.set_presence(tx, agent_id, "away")
    held.set()
    until.wait(10)


@pytest.mark.parametrize("first", [touch_the_past, save_a_rollup])
def test_the_counter_row_is_the_last_lock_a_batch_takes(
    two: tuple[Store, Store], first: Any
) -> None:
    """Writer A runs, in one batch, a write that takes the counter row
    (a touch of the past, or saving a figure), then a write locking an
    agent's row that writer B holds while its batch waits to commit (and
    take the counter row). Were A to keep the counter row while waiting for
    the agent's row, each would wait for the other: a deadlock, one write
    cancelled and run again. A records its touches as it commits, and ends
    its batch after a write that took the counter row itself: no deadlock."""
    a, b = two
    agent = a.write_sync(agents_store.create_agent, "Alice", "alice@example.com")
    held, ran, gate = threading.Event(), threading.Event(), threading.Event()
    fb = b.submit(hold_row_until, agent, held, ran)
    assert held.wait(30)
    blocker = a.submit(lambda _tx: gate.wait(10))  # so that the next two share a batch
    fa1 = a.submit(then_tell, first, ran)
    fa2 = a.submit(agents_store.set_presence, agent, "online")
    gate.set()
    outcomes([blocker, fa1, fa2, fb])
    assert [f.exception() for f in (fa1, fa2, fb)] == [None, None, None]
    retries = (a.engine.retries["deadlock"], b.engine.retries["deadlock"])
    assert retries == (0, 0)
    presence = a.read_sync(lambda rx: rx.scalar("SELECT presence FROM agents"))
    assert presence == "online"  # A's write ran after B's
