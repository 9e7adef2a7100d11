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

from chatsup.server.store import PendingEvent, Store, sites
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
