"""Two `chatsup serve` processes on one PostgreSQL database are one server
(API.md, scale-out): a supervisor's live stream on either process carries
every event of both, ids one by one with no gap and no duplicate, and
`after=` resumes on the other process; kill -9 of one process loses no
acknowledged message and leaves the other streaming."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from chatsup.cli import create_token
from chatsup.server.store import Store, agents, sites
from tests import pg
from tests.harness import ServerProcess


async def stream(url: str, until: threading.Event, out: list[dict[str, Any]]) -> None:
    async with connect(url) as ws:
        while not until.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                continue
            if msg.get("type") != "heartbeat":
                out.append(msg)


def send_burst(base: str, site_key: str, agent_token: str, n: int, acked: list[int]) -> None:
    """A visitor sends n messages (an advisor answers every fourth); the ids
    acknowledged go into `acked`. Stops at the first failure (a killed server)."""
    try:
        with httpx.Client(base_url=base, timeout=10) as c:
            s = c.post("/v1/widget/sessions", json={"site_key": site_key}).json()
            c.headers["Authorization"] = f"Bearer {s['token']}"
            for i in range(n):
                r = c.post("/v1/widget/messages", json={"body": f"m{i}"})
                if r.status_code != 201:
                    return
                acked.append(r.json()["message_id"])
                if i % 4 == 0:
                    a = c.post(
                        f"/v1/agent/conversations/{r.json()['conversation_id']}/messages",
                        json={"body": f"re m{i}"},
                        headers={"Authorization": f"Bearer {agent_token}"},
                    )
                    if a.status_code != 201:
                        return
                    acked.append(a.json()["message_id"])
    except (httpx.TransportError, ValueError, KeyError):
        return


def setup(url: str, tmp_path: Path, **env: str) -> tuple[dict[str, Any], str, str, dict[str, str]]:
    """A site, an agent's token, a supervisor's token, and the environment
    of a `chatsup serve` on the database."""
    store = Store.open(tmp_path / "unused.db", url=url)
    try:
        site = store.write_sync(sites.create_site, "Shop", "shop.example")
        agent_id = store.write_sync(agents.create_agent, "Alice", "alice@example.com")
        agent_token = create_token(store, "agent", "Alice", agent_id)
        sup = create_token(store, "supervisor", "Boss", None)
    finally:
        store.close()
    return (
        site,
        agent_token,
        sup,
        {
            **os.environ,
            "CHATSUP_STORE__URL": url,
            "CHATSUP_SERVER__RATE_PER_VISITOR": "100000",
            "CHATSUP_SERVER__RATE_PER_IP": "100000",
            "CHATSUP_SERVER__SESSIONS_PER_IP": "100000",
            "CHATSUP_CONFIG": str(tmp_path / "none"),
            **env,
        },
    )


async def test_presence_counts_sockets_on_every_process(
    pg_cluster: pg.Cluster, tmp_path: Path
) -> None:
    """Online while a socket is open on any process; a restart of one does
    not take the agent offline; a process killed -9 stops counting within
    its lease (the other process reaps it)."""
    name = pg_cluster.new_database()
    url = pg_cluster.url(name)
    _site, agent_token, sup, env = setup(url, tmp_path, CHATSUP_STORE__PRESENCE_LEASE_S="1.5")
    a, b = ServerProcess(tmp_path / "a.db", env), ServerProcess(tmp_path / "b.db", env)
    a.start()
    b.start()

    def presence(p: ServerProcess) -> str:
        r = httpx.get(
            f"http://127.0.0.1:{p.port}/v1/agents", headers={"Authorization": f"Bearer {sup}"}
        )
        return str(r.json()["items"][0]["presence"])

    async def becomes(p: ServerProcess, want: str, within: float) -> None:
        for _ in range(int(within * 10)):
            if await asyncio.to_thread(presence, p) == want:
                return
            await asyncio.sleep(0.1)
        assert await asyncio.to_thread(presence, p) == want

    ws_path = f"/v1/agent/ws?token={agent_token}"
    try:
        async with connect(f"ws://127.0.0.1:{a.port}{ws_path}"):
            await becomes(b, "online", 5)
            async with connect(f"ws://127.0.0.1:{b.port}{ws_path}"):
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)  # B's socket closed: A's still counts
            assert await asyncio.to_thread(presence, b) == "online"
            await asyncio.to_thread(b.kill)
            await asyncio.to_thread(b.start)  # B restarts: A's socket still counts
            assert await asyncio.to_thread(presence, b) == "online"
            await asyncio.to_thread(a.kill)  # A dies holding the socket
            await becomes(b, "offline", 8)
    finally:
        for p in (a, b):
            if p.p is not None and p.p.poll() is None:
                p.kill()
        pg_cluster.drop_database(name)


async def test_kill_9_mid_burst_loses_nothing_and_streams_stay_whole(
    pg_cluster: pg.Cluster, tmp_path: Path
) -> None:
    """Visitors send on A and B; A is killed -9 in the middle. B's stream is
    the log exactly (A's commits and its own), A's was a prefix of it, every
    acknowledged message is stored, and a stream on the restarted A resumes
    from any id with no gap."""
    name = pg_cluster.new_database()
    url = pg_cluster.url(name)
    site, agent_token, sup, env = setup(url, tmp_path)
    a, b = ServerProcess(tmp_path / "a.db", env), ServerProcess(tmp_path / "b.db", env)
    a.start()
    b.start()
    done = threading.Event()
    on_a: list[dict[str, Any]] = []
    on_b: list[dict[str, Any]] = []
    live = f"/v1/live?after=0&token={sup}"
    watch: list[asyncio.Task[None]] = []
    try:
        watch = [
            asyncio.create_task(stream(f"ws://127.0.0.1:{p.port}{live}", done, out))
            for p, out in ((a, on_a), (b, on_b))
        ]
        acked: list[int] = []
        senders = [
            threading.Thread(
                target=send_burst,
                args=(f"http://127.0.0.1:{p.port}", site["key"], agent_token, 60, acked),
            )
            for p in (a, b, a, b)
        ]
        for t in senders:
            t.start()
        for _ in range(300):
            if len(acked) >= 30:
                break
            await asyncio.sleep(0.02)
        await asyncio.to_thread(a.kill)
        await asyncio.to_thread(lambda: [t.join(60) for t in senders])

        def query(sql: str) -> list[int]:
            import psycopg

            with psycopg.connect(url) as conn:
                return [r[0] for r in conn.execute(sql)]

        ids = await asyncio.to_thread(query, "SELECT id FROM events ORDER BY id")
        assert ids == list(range(1, len(ids) + 1))
        for _ in range(100):
            if len(on_b) >= len(ids):
                break
            await asyncio.sleep(0.1)
        assert [e["id"] for e in on_b] == ids
        assert [e["id"] for e in on_a] == ids[: len(on_a)]  # A's, until it died
        stored = set(await asyncio.to_thread(query, "SELECT id FROM messages"))
        assert len(acked) == len(set(acked)) and set(acked) <= stored
        await asyncio.to_thread(a.start)
        half = ids[len(ids) // 2]
        resumed: list[dict[str, Any]] = []
        again = threading.Event()
        task = asyncio.create_task(
            stream(f"ws://127.0.0.1:{a.port}/v1/live?after={half}&token={sup}", again, resumed)
        )
        for _ in range(100):
            if len(resumed) >= len(ids) - half:
                break
            await asyncio.sleep(0.1)
        again.set()
        await task
        assert [e["id"] for e in resumed] == ids[half:]
        # the restarted A writes while B writes nothing: B's stream still
        # gets it (no later commit of B's own reveals a gap to replay)
        more: list[int] = []
        await asyncio.to_thread(
            send_burst, f"http://127.0.0.1:{a.port}", site["key"], agent_token, 3, more
        )
        ids = await asyncio.to_thread(query, "SELECT id FROM events ORDER BY id")
        for _ in range(50):
            if len(on_b) >= len(ids):
                break
            await asyncio.sleep(0.1)
        assert len(more) >= 3 and [e["id"] for e in on_b] == ids
    finally:
        done.set()
        await asyncio.gather(*watch, return_exceptions=True)
        for p in (a, b):
            if p.p is not None and p.p.poll() is None:
                p.kill()
        pg_cluster.drop_database(name)
