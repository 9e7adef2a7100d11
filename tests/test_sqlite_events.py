"""SQLite's event log as the writer keeps it (engine_sqlite.py): an event's
id is taken as it is emitted and the batch's events are inserted in one
statement as it commits. What must hold: ids 1..n with no gap when writes
of a batch fail after emitting (they give their ids back), the hub gets
exactly what the log holds, in order, and a message stored with its
event's id ahead of the emit carries the right one (a retried send, even in
the same batch, answers it)."""

from __future__ import annotations

import concurrent.futures
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from chatsup.server.store import BadInput, NotFound, PendingEvent, Store, sites
from chatsup.server.store import agents as agents_store
from chatsup.server.store import messages as ms
from chatsup.server.store import visits as vs


def _presence_then_fail(tx: Any, agent_id: int) -> None:
    agents_store.set_presence(tx, agent_id, "online")  # emits agent.presence
    raise RuntimeError("after emitting")


def _hold(tx: Any, go: threading.Event) -> None:
    go.wait(10)  # the writes queued meanwhile make one batch


def test_ids_have_no_gap_and_messages_carry_their_events(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    published: list[PendingEvent] = []
    try:
        site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
        visitors = [
            store.write_sync(vs.start_session, vs.Visit(site, None))["visitor_id"] for _ in range(4)
        ]
        agent = store.write_sync(agents_store.create_agent, "Alice", "alice@example.com")
        store.on_commit = published.extend
        go = threading.Event()
        futs: list[concurrent.futures.Future[Any]] = [store.submit(_hold, go)]
        for rnd in range(3):
            for v in visitors:
                key = f"{v}-{rnd}"
                futs.append(
                    store.submit(
                        ms.visitor_message_in_latest_visit, v, ms.NewMessage("hi", None, key)
                    )
                )
                futs.append(store.submit(_presence_then_fail, agent))
                futs.append(  # its retry, in the same batch
                    store.submit(
                        ms.visitor_message_in_latest_visit, v, ms.NewMessage("hi", None, key)
                    )
                )
        go.set()
        results = []
        for f in futs[1:]:
            try:
                results.append(f.result(timeout=30))
            except RuntimeError:
                results.append(None)
        rows = store.read_sync(
            lambda rx: rx.execute("SELECT id, type, data FROM events ORDER BY id").fetchall()
        )
        stored = dict(
            store.read_sync(lambda rx: rx.execute("SELECT id, event_id FROM messages").fetchall())
        )
        latest = store.read_sync(lambda rx: rx.dialect.latest_event_id(rx))
    finally:
        store.close()
    ids = [r[0] for r in rows]
    assert ids == list(range(1, len(ids) + 1)) and latest == ids[-1]
    assert "agent.presence" not in {r[1] for r in rows}  # given back, not stored
    assert [e.id for e in published] == [i for i in ids if i > published[0].id - 1]
    by_message = {orjson.loads(r[2])["message_id"]: r[0] for r in rows if r[1] == "message.created"}
    started = {orjson.loads(r[2])["id"]: r[0] for r in rows if r[1] == "conversation.started"}
    assert len(started) == len(visitors) and len(by_message) == 3 * len(visitors)
    for mid, eid in by_message.items():
        assert stored[mid] == eid  # stored with the message, as the log numbered it
    sends = [r for r in results if r is not None]
    firsts = [r for r in sends if not r.get("duplicate")]
    again = [r for r in sends if r.get("duplicate")]
    assert len(firsts) == len(again) == 3 * len(visitors)
    for r in sends:
        assert r["event_id"] == by_message[r["message_id"]]


def _seen_then_refused(tx: Any, visitor_id: int) -> None:
    """A write that changes a row, emits, then fails on purpose."""
    tx.execute("UPDATE visitors SET last_seen_at = 1 WHERE id = ?", (visitor_id,))
    tx.emit("agent.presence", {"agent_id": 1, "name": "Nobody", "presence": "online"})
    raise BadInput("visitor", "refused after a change")


def _refused(tx: Any) -> None:
    """A write that fails on purpose before changing anything."""
    tx.emit("agent.presence", {"agent_id": 1, "name": "Nobody", "presence": "away"})
    raise NotFound("thing")


def test_a_write_run_without_a_savepoint_leaves_nothing_when_it_fails(tmp_path: Path) -> None:
    """SQLite runs a batch's writes without savepoints (Store._commit_batch):
    a store error with no row changed needs no undo, and a write that
    changed rows before failing makes the batch run again with them. Either
    way the failed write leaves no row and no event, and every other write
    of the batch is stored once."""
    store = Store.open(tmp_path / "s.db")
    try:
        site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
        visitors = [
            store.write_sync(vs.start_session, vs.Visit(site, None))["visitor_id"] for _ in range(3)
        ]
        seen = store.read_sync(
            lambda rx: dict(rx.execute("SELECT id, last_seen_at FROM visitors").fetchall())
        )
        for refuse in (_refused, _seen_then_refused):
            go = threading.Event()
            futs: list[concurrent.futures.Future[Any]] = [store.submit(_hold, go)]
            for i, v in enumerate(visitors):
                futs.append(
                    store.submit(
                        ms.visitor_message_in_latest_visit,
                        v,
                        ms.NewMessage(f"{refuse.__name__} {i}", None, f"{refuse.__name__}-{v}"),
                    )
                )
                if refuse is _refused:
                    futs.append(store.submit(_refused))
                else:
                    futs.append(store.submit(_seen_then_refused, v))
            go.set()
            for n, f in enumerate(futs[1:]):
                if n % 2:
                    with pytest.raises(BadInput if refuse is _seen_then_refused else NotFound):
                        f.result(timeout=30)
                else:
                    assert f.result(timeout=30)["message_id"]
        rows = store.read_sync(
            lambda rx: rx.execute("SELECT id, type FROM events ORDER BY id").fetchall()
        )
        bodies = store.read_sync(
            lambda rx: [r[0] for r in rx.execute("SELECT body FROM messages ORDER BY id")]
        )
        after = store.read_sync(
            lambda rx: dict(rx.execute("SELECT id, last_seen_at FROM visitors").fetchall())
        )
    finally:
        store.close()
    assert sorted(bodies) == sorted(
        f"{fn.__name__} {i}" for fn in (_refused, _seen_then_refused) for i in range(3)
    )
    ids = [r[0] for r in rows]
    assert ids == list(range(1, len(ids) + 1))  # no gap: the failed writes' ids given back
    assert "agent.presence" not in {r[1] for r in rows}
    for v in visitors:
        assert after[v] >= seen[v] > 1  # the refused write's change did not stay
