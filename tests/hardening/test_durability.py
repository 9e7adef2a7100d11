"""Kill -9 the real server process while visitors and advisors send: every
message that got a 201 is there after restart, none twice."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from chatsup.cli import create_token
from chatsup.server.store import Store
from tests.harness import ServerProcess, make_settings


def run_round(
    proc: ServerProcess,
    site_key: str,
    agent_token: str,
    seconds: float,
    acked: list[tuple[str, int]],
) -> None:
    url = f"http://127.0.0.1:{proc.port}"
    stop = threading.Event()
    lock = threading.Lock()

    def visitor(n: int) -> None:
        with httpx.Client(base_url=url, timeout=5) as c:
            try:
                s = c.post("/v1/widget/sessions", json={"site_key": site_key}).json()
            except (httpx.TransportError, ValueError):
                return
            c.headers["Authorization"] = f"Bearer {s['token']}"
            i = 0
            while not stop.is_set():
                body = f"v{n}-{time.monotonic_ns()}-{i}"
                try:
                    r = c.post("/v1/widget/messages", json={"body": body})
                except httpx.TransportError:
                    return
                if r.status_code == 201:
                    with lock:
                        acked.append((body, r.json()["message_id"]))
                    if i % 3 == 0:
                        try:
                            a = c.post(
                                f"/v1/agent/conversations/{r.json()['conversation_id']}/messages",
                                json={"body": "re " + body},
                                headers={"Authorization": f"Bearer {agent_token}"},
                            )
                        except httpx.TransportError:
                            return
                        if a.status_code == 201:
                            with lock:
                                acked.append(("re " + body, a.json()["message_id"]))
                i += 1

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    proc.kill()
    stop.set()
    for t in threads:
        t.join(10)


def check(db: Path, acked: list[tuple[str, int]]) -> None:
    with sqlite3.connect(db) as conn:
        stored: dict[str, list[int]] = {}
        for body, mid in conn.execute("SELECT body, id FROM messages"):
            stored.setdefault(body, []).append(mid)
    for body, mid in acked:
        assert stored.get(body) == [mid], f"acknowledged message lost or doubled: {body}"


@pytest.mark.parametrize(
    "rounds",
    [
        pytest.param(2, id="short"),
        pytest.param(20, id="long", marks=[pytest.mark.slow, pytest.mark.timeout(900)]),
    ],
)
def test_acknowledged_messages_survive_kill_9(tmp_path: Path, rounds: int) -> None:
    settings = make_settings(tmp_path)
    db = settings.store.path
    store = Store.open(db, tz=settings.tz)
    from chatsup.server.store import agents, sites

    site = store.write_sync(sites.create_site, "Shop", "shop.example")
    agent_id = store.write_sync(agents.create_agent, "Alice", "alice@example.com")
    agent_token = create_token(store, "agent", "Alice", agent_id)
    store.close()
    env = {
        **os.environ,
        "CHATSUP_STORE__SYNCHRONOUS": "full",
        "CHATSUP_SERVER__RATE_PER_VISITOR": "100000",
        "CHATSUP_SERVER__RATE_PER_IP": "100000",
        "CHATSUP_SERVER__SESSIONS_PER_IP": "100000",
        "CHATSUP_CONFIG": str(tmp_path / "none"),
    }
    rng = random.Random(rounds)
    acked: list[tuple[str, int]] = []
    proc = ServerProcess(db, env)
    for _ in range(rounds):
        proc.start()
        run_round(proc, site["key"], agent_token, rng.uniform(0.3, 1.2), acked)
    proc.start()  # recovery after the last kill
    proc.kill()
    assert len(acked) > 20 * rounds
    check(db, acked)
    print(f"kill -9 rounds: {rounds}, acknowledged messages: {len(acked)}")
