"""The live stream as a hypothesis state machine: send / disconnect /
reconnect with the last id / server restart, against a real server. What the
supervisor received is always exactly the event log (no gap, no duplicate).
And applying events to an old snapshot gives a fresh fetch."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chatsup.domain.events import parse_event
from chatsup.domain.live_state import apply_event
from chatsup.domain.models import ConversationItem
from tests.harness import World

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STEPS = int(os.environ.get("CHATSUP_LIVE_STEPS", "12"))
EXAMPLES = int(os.environ.get("CHATSUP_LIVE_EXAMPLES", "6"))


def log_ids(world: World, after: int = 0) -> list[int]:
    return [r[0] for r in world.query("SELECT id FROM events WHERE id > ? ORDER BY id", (after,))]


class LiveStream(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.start = (log_ids(self.world) or [0])[-1]
        self.received: list[int] = []
        self.ws: ClientConnection | None = None
        v, self.session = self.world.visitor()
        v.close()
        self.n = 0

    @property
    def last(self) -> int:
        return self.received[-1] if self.received else self.start

    def visitor(self) -> httpx.Client:
        return self.world.http(self.session["token"])

    @rule()
    def send(self) -> None:
        self.n += 1
        with self.visitor() as v:
            assert v.post("/v1/widget/messages", json={"body": f"m{self.n}"}).status_code == 201

    @precondition(lambda self: self.ws is None)
    @rule()
    def reconnect(self) -> None:
        url = f"{self.world.server.ws_url}/v1/live?after={self.last}&token={self.world.sup_token}"
        self.ws = connect(url, open_timeout=5)

    @precondition(lambda self: self.ws is not None)
    @rule()
    def disconnect(self) -> None:
        self.drain()
        self.close()

    @rule()
    def restart(self) -> None:
        self.world.server.restart()
        self.drain()  # what was sent before the restart, then the close
        self.close()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    @rule()
    def drain(self) -> None:
        want = log_ids(self.world, self.start)
        while self.ws is not None and len(self.received) < len(want):
            try:
                msg = json.loads(self.ws.recv(timeout=3))
            except (ConnectionClosed, TimeoutError):
                self.ws = None
                break
            if msg.get("type") == "heartbeat":
                continue
            self.received.append(msg["id"])

    @invariant()
    def no_gap_no_duplicate(self) -> None:
        log = log_ids(self.world, self.start)
        assert self.received == log[: len(self.received)]

    def teardown(self) -> None:
        self.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    """One world per engine for the module (the PostgreSQL one on the
    session's throwaway cluster, tests/pg.py)."""
    cluster: Any = None
    db = url = None
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        db = cluster.new_database()
        url = cluster.url(db)
    w = World(
        tmp_path_factory.mktemp("live"),
        store_url=url,
        server={"rate_per_visitor": 100000, "rate_per_ip": 100000, "sessions_per_ip": 100000},
    )
    yield w
    w.server.stop()
    if cluster is not None:
        cluster.drop_database(db)


def test_live_stream_state_machine(live_world: World) -> None:
    LiveStream.world = live_world
    run = LiveStream.TestCase
    run.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run().runTest()


def snapshot(c: httpx.Client) -> dict[int, ConversationItem]:
    out: dict[int, ConversationItem] = {}
    cursor = None
    while True:
        page = c.get(
            "/v1/conversations", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
        ).json()
        for i in page["items"]:
            item = msgspec.convert(i, ConversationItem)
            out[item.id] = item
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_events_applied_to_a_snapshot_equal_a_fresh_fetch(world: World, tmp_path: Path) -> None:
    v1, s1 = world.visitor()
    v1.post("/v1/widget/messages", json={"body": "before"})
    with world.sup() as c:
        old = snapshot(c)
        after = c.get("/v1/events", params={"after": 0, "limit": 5000}).json()["items"][-1]["id"]
        v2, _ = world.visitor()
        with v2, world.http(world.agent_token) as a:
            cid = v2.post("/v1/widget/messages", json={"body": "new"}).json()["conversation_id"]
            v1.post("/v1/widget/messages", json={"body": "again"})
            a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "answer"})
            a.post(f"/v1/agent/conversations/{cid}/end")
            c.put(f"/v1/visitors/{s1['visitor_id']}/profile", json={"name": "Zoé"})
        events = c.get("/v1/events", params={"after": after, "limit": 5000}).json()["items"]
        for e in events:
            apply_event(old, parse_event(e))
        assert old == snapshot(c)
    v1.close()
