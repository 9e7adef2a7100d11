"""A chat socket opened after a write has been answered starts past that
write's events, however late the hub publishes them. On PostgreSQL the
process's own commits reach the hub through its event feed, which may lag
a few loop turns behind the HTTP answer (CI, 2026-11-30: a visitor's socket
opened just after the advisor's answer received that answer again). Here
the lag is made certain: the store's publishing is deferred by LAG_S. On
SQLite only: on PostgreSQL the feed's NOTIFY would publish in time anyway;
test_live.py checks on both engines that `Store.committed_event_id`, the
floor these sockets take, is the log's head once a write is answered."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import connect

from chatsup.server.store import PendingEvent
from tests.harness import World
from tests.test_ownership import frames_until, held_by_alice, open_chat

LAG_S = 0.4


def lag_publishing(world: World) -> None:
    """Publish every commit of the server's store LAG_S late."""
    store = world.server.app.state.store
    loop, publish = store.publish_on  # (runs on the server's loop)

    def late(events: list[PendingEvent]) -> None:
        loop.call_later(LAG_S, publish, events)

    store.publish_on = (loop, late)


def ws(world: World, path: str, token: str) -> Any:
    return connect(f"{world.server.ws_url}{path}?token={token}")


async def test_a_visitor_socket_does_not_get_what_was_answered_before_it_opened(
    world: World,
) -> None:
    cid, vtoken = open_chat(world)
    lag_publishing(world)
    with world.http(world.agent_token) as a:
        r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Alice here"})
        assert r.status_code == 201, r.text
    async with ws(world, "/v1/widget/ws", vtoken) as visitor:
        await asyncio.sleep(LAG_S * 2)  # "Alice here" is published meanwhile
        with world.http(world.agent_token) as a:
            r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "More"})
            assert r.status_code == 201, r.text
        seen = await frames_until(visitor, lambda m: m["type"] == "message.created")
        assert [m["data"]["body"] for m in seen] == ["More"]


async def test_an_agent_socket_without_after_starts_past_what_it_already_read(
    world: World,
) -> None:
    first, _ = open_chat(world)
    lag_publishing(world)
    with world.http(world.agent_token) as a:
        r = a.post(f"/v1/agent/conversations/{first}/messages", json={"body": "Alice here"})
        assert r.status_code == 201, r.text
    async with ws(world, "/v1/agent/ws", world.agent_token) as alice:
        await asyncio.sleep(LAG_S * 2)
        second, _ = open_chat(world, "second chat")
        seen = await frames_until(
            alice, lambda m: m["type"] == "message.created" and m["data"]["body"] == "second chat"
        )
        bodies = [m["data"].get("body") for m in seen if m["type"] == "message.created"]
        assert bodies == ["second chat"]
        assert second != first


async def test_an_agent_socket_gets_what_commits_with_its_own_presence_write(
    world: World,
) -> None:
    """Subscribed before the handshake ends: a transfer committed in the same
    batch as the socket's presence write (the writer held up behind another
    write) reaches the new advisor. Subscribing after the presence write, it
    was lost (CI, 2026-11-30: test_supervisor_chat's transfer on PostgreSQL)."""
    import sqlite3

    cid, _ = held_by_alice(world)
    v, _ = world.visitor()
    held = sqlite3.connect(world.settings.store.path, isolation_level=None)
    held.execute("BEGIN IMMEDIATE")  # the writer's next write waits for it
    try:
        first = asyncio.create_task(
            asyncio.to_thread(v.post, "/v1/widget/pageviews", json={"url": "https://shop/x"})
        )
        await asyncio.sleep(0.3)  # the writer is in that write, waiting
        async with ws(world, "/v1/agent/ws", world.agent2_token) as bob:
            with world.sup() as c:
                moved = asyncio.create_task(
                    asyncio.to_thread(
                        c.post,
                        f"/v1/conversations/{cid}/assign",
                        json={"agent_id": world.agent2_id},
                    )
                )
                await asyncio.sleep(0.3)  # queued behind it with Bob's presence write
                held.rollback()
                assert (await first).status_code == 201
                assert (await moved).status_code == 200
            seen = await frames_until(bob, lambda m: m["type"] == "conversation.assigned")
            assert seen[-1]["data"]["conversation_id"] == cid
    finally:
        held.close()
