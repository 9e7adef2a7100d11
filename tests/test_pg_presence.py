"""Presence across processes when a live process is reaped (PostgreSQL,
store/agent_connections.py): a process slow enough under load for its lease
to run out loses its instance row to the leader's reap, though it is alive
and still holds its sockets. Its next heartbeat registers it again with the
agents it holds sockets of, and a socket opening meanwhile does not fail."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from chatsup.server.store import Store
from chatsup.server.store import agent_connections as ac
from chatsup.server.store import agents as agents_store
from tests.harness import World

LEASE_S = 3.0  # a heartbeat every second


def reap_now(tx: Any, instance: str) -> tuple[list[str], list[str]]:
    """What the leader does once `instance`'s lease ran out (here at once:
    its heartbeat is set back past the lease); answers the instances reaped
    and the presence of every agent right after."""
    tx.execute("UPDATE instances SET heartbeat_at = 0 WHERE id = ?", (instance,))
    dead = ac.reap(tx, LEASE_S)
    return dead, presence(tx)


def presence(rx: Any) -> list[str]:
    return [r[0] for r in rx.execute("SELECT presence FROM agents ORDER BY id")]


async def presence_within(store: Store, seconds: float, want: list[str]) -> None:
    """Every agent's presence, as read by `store`, is `want` within `seconds`."""
    got: list[str] = []
    for _ in range(int(seconds * 20)):
        got = await asyncio.to_thread(store.read_sync, presence)
        if got == want:
            return
        await asyncio.sleep(0.05)
    assert got == want


async def test_a_process_reaped_while_alive_comes_back_within_a_heartbeat(
    pg_url: str, tmp_path: Path
) -> None:
    w = World(tmp_path, store_url=pg_url, store={"instance": "web-1", "presence_lease_s": LEASE_S})
    other = w.open_store()  # the leader: another process on the database

    ws = f"{w.server.ws_url}/v1/agent/ws?token="
    try:
        async with connect(ws + w.agent_token) as alice:
            await presence_within(other, 5, ["online", "offline"])
            dead, after = await asyncio.to_thread(other.write_sync, reap_now, "web-1")
            assert (dead, after) == (["web-1"], ["offline", "offline"])
            # a socket opening before the next heartbeat: its presence write
            # inserts the row again (before: a foreign-key violation)
            async with connect(ws + w.agent2_token) as bob:
                # the heartbeat registers Alice's socket again: within one
                # heartbeat (1 s), with room for a loaded machine
                await presence_within(other, LEASE_S, ["online", "online"])
                await bob.ping()
            await alice.ping()
            await presence_within(other, 5, ["online", "offline"])
    finally:
        other.close()
        w.close()


def test_connected_and_heartbeat_register_a_reaped_process_again(
    pg_url: str, tmp_path: Path
) -> None:
    """The store functions on their own, in a fixed order: the socket opens
    before the heartbeat (no foreign-key violation), then the heartbeat
    brings back the agent whose socket was open all along."""
    store = Store.open(tmp_path / "unused.db", url=pg_url)
    try:
        a = store.write_sync(agents_store.create_agent, "Alice", "alice@example.com")
        b = store.write_sync(agents_store.create_agent, "Bob", "bob@example.com")
        store.write_sync(ac.start_instance, "p1")
        store.write_sync(ac.connected, "p1", a)
        assert store.write_sync(reap_now, "p1") == (["p1"], ["offline", "offline"])
        store.write_sync(ac.connected, "p1", b)
        assert store.read_sync(presence) == ["offline", "online"]
        store.write_sync(ac.heartbeat, "p1", [a, b])
        assert store.read_sync(presence) == ["online", "online"]
        store.write_sync(reap_now, "p1")
        store.write_sync(ac.heartbeat, "p1", [a, b])  # reaped: the row, and both
        assert store.read_sync(presence) == ["online", "online"]
        held = store.read_sync(
            lambda rx: [r[0] for r in rx.execute("SELECT agent_id FROM agent_connections")]
        )
        assert sorted(held) == [a, b]
    finally:
        store.close()


async def test_a_heartbeat_lets_go_of_an_agent_the_process_holds_no_socket_of(
    pg_url: str, tmp_path: Path
) -> None:
    """Bob's last socket closed and every try of its offline write failed
    (live_sockets.py `_agent_gone`): his connection row stayed, and he
    showed online with no socket anywhere until the process restarted. The
    next heartbeat, from the sockets the process holds, lets him go; Alice,
    whose socket is open, stays online."""
    w = World(tmp_path, store_url=pg_url, store={"instance": "web-1", "presence_lease_s": LEASE_S})
    other = w.open_store()

    def stale_bob(tx: Any) -> list[str]:  # what the failed offline writes left
        ac.connected(tx, "web-1", w.agent2_id)
        return presence(tx)

    try:
        async with connect(f"{w.server.ws_url}/v1/agent/ws?token={w.agent_token}") as alice:
            await presence_within(other, 5, ["online", "offline"])
            assert await asyncio.to_thread(other.write_sync, stale_bob) == ["online", "online"]
            await presence_within(other, LEASE_S, ["online", "offline"])  # a heartbeat every second
            await alice.ping()
            await asyncio.sleep(1.5)  # a heartbeat later: Alice is still held
            assert await asyncio.to_thread(other.read_sync, presence) == ["online", "offline"]
    finally:
        other.close()
        w.close()
