"""Sockets that fall behind or lose their token (issue 16 item 7; the
hardening leftover): an agent's socket that lags catches up from the event
log in place, a visitor's is closed with 4000 `lagged`; none goes silent. A
revoked token's open socket (agent, supervisor live, widget) is closed with
1008 `revoked` within a couple of seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chatsup.server.store import Tx
from chatsup.server.store import messages as store_messages
from chatsup.server.store.tokens import digest, revoke
from tests.harness import World


def server_store(world: World) -> Any:
    return world.server.app.state.store


def visitors(world: World, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        v, s = world.visitor()
        v.close()
        ids.append(int(s["visitor_id"]))
    return ids


async def test_a_lagging_agent_socket_catches_up_from_the_log(world: World) -> None:
    hub = world.server.app.state.hub
    hub.queue_size = 3  # the socket below falls behind at the fourth queued event
    vids = visitors(world, 8)
    url = f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}"
    async with connect(url) as ws:
        await asyncio.sleep(0.1)

        def burst(tx: Tx) -> None:  # one commit, one publish: 16 events at once
            for i, vid in enumerate(vids):
                store_messages.visitor_message_in_latest_visit(
                    tx, vid, store_messages.NewMessage(f"line {i}")
                )

        await asyncio.to_thread(server_store(world).write_sync, burst)
        got: list[dict] = []
        while len([m for m in got if m["type"] == "message.created"]) < len(vids):
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))  # before: silent here
            if "id" in msg:
                got.append(msg)
        ids = [m["id"] for m in got]
        assert ids == sorted(set(ids)), "no duplicate, in order"
        bodies = [m["data"]["body"] for m in got if m["type"] == "message.created"]
        assert bodies == [f"line {i}" for i in range(len(vids))]
        # and it stays live
        v, _ = world.visitor()
        with v:
            assert v.post("/v1/widget/messages", json={"body": "after"}).is_success
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if msg.get("type") == "message.created" and msg["data"]["body"] == "after":
                break


async def test_a_lagging_visitor_socket_is_closed_with_4000(world: World) -> None:
    v, s = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hi"}).json()["conversation_id"]
    world.server.app.state.hub.queue_size = 1
    url = f"{world.server.ws_url}/v1/widget/ws?token={s['token']}"
    async with connect(url) as ws:
        await asyncio.sleep(0.1)

        def burst(tx: Tx) -> None:
            for i in range(4):
                store_messages.agent_message(
                    tx, world.agent_id, cid, store_messages.NewMessage(f"answer {i}")
                )

        await asyncio.to_thread(server_store(world).write_sync, burst)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)  # before: silent, a TimeoutError
        except ConnectionClosed:
            pass
        assert ws.close_code == 4000 and ws.close_reason == "lagged"


async def test_a_revoked_tokens_open_sockets_are_closed(world: World) -> None:
    _, s = world.visitor()
    base = world.server.ws_url
    urls = {
        "agent": f"{base}/v1/agent/ws?token={world.agent_token}",
        "supervisor": f"{base}/v1/live?token={world.sup_token}",
        "visitor": f"{base}/v1/widget/ws?token={s['token']}",
    }
    sockets = {k: await connect(u) for k, u in urls.items()}
    try:
        await asyncio.sleep(0.2)
        store = server_store(world)
        t0 = time.monotonic()
        await asyncio.to_thread(store.write_sync, revoke, "Alice")
        await asyncio.to_thread(store.write_sync, revoke, "Boss")
        await asyncio.to_thread(store.write_sync, revoke, "", digest(s["token"]))

        async def closed(ws: Any) -> float:
            try:
                while True:
                    await ws.recv()  # before: nothing ends this
            except ConnectionClosed:
                pass
            return time.monotonic() - t0

        took = await asyncio.wait_for(asyncio.gather(*(closed(ws) for ws in sockets.values())), 5)
        for name, ws in sockets.items():
            assert (ws.close_code, ws.close_reason) == (1008, "revoked"), name
        assert max(took) < 2.5, took
        print(f"revoked sockets closed after {max(took) * 1000:.0f} ms")
        # another agent's socket stays open
        async with connect(f"{base}/v1/agent/ws?token={world.agent2_token}") as bob:
            await asyncio.sleep(1.5)
            await bob.send('{"type":"ping"}')
            assert json.loads(await asyncio.wait_for(bob.recv(), 5))["type"] == "pong"
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_an_agent_socket_resumes_after_an_id_with_only_its_events(world: World) -> None:
    """`?after=ID` (what a client does after a 4000 or any drop): the events
    after ID this advisor may see, from the log, then live; no other's."""
    with world.sup() as c:
        start = c.get("/v1/events").json()["latest_id"]
    mine_v, _ = world.visitor()
    theirs_v, _ = world.visitor()
    with mine_v, theirs_v:
        mine = mine_v.post("/v1/widget/messages", json={"body": "for Bob"}).json()
        theirs = theirs_v.post("/v1/widget/messages", json={"body": "for Alice"}).json()
        with world.http(world.agent_token) as a, world.http(world.agent2_token) as b:
            cid_a, cid_b = theirs["conversation_id"], mine["conversation_id"]
            assert a.post(
                f"/v1/agent/conversations/{cid_a}/messages", json={"body": "A"}
            ).is_success
            assert b.post(
                f"/v1/agent/conversations/{cid_b}/messages", json={"body": "B"}
            ).is_success
            theirs_v.post("/v1/widget/messages", json={"body": "Alice's secret"})
            url = f"{world.server.ws_url}/v1/agent/ws?after={start}&token={world.agent2_token}"
            async with connect(url) as bob:
                mine_v.post("/v1/widget/messages", json={"body": "live one"})
                got: list[dict] = []
                while not got or got[-1]["data"].get("body") != "live one":
                    msg = json.loads(await asyncio.wait_for(bob.recv(), 5))
                    if "id" in msg:
                        got.append(msg)
    ids = [m["id"] for m in got]
    assert ids == sorted(set(ids)) and ids[0] > start
    bodies = [m["data"].get("body") for m in got if m["type"] == "message.created"]
    assert bodies == ["for Bob", "for Alice", "B", "live one"]  # Alice's chat waited then
    assert "Alice's secret" not in json.dumps(got)


async def test_a_socket_opened_with_a_just_revoked_cached_token_is_closed(world: World) -> None:
    """The authenticator remembers a token 0.5 s: a socket that opens in
    that window after its revocation is accepted, then closed all the same
    (refused outright when the window has passed)."""
    from websockets.exceptions import InvalidStatus

    store = server_store(world)
    with world.http(world.agent2_token) as b:
        assert b.get("/v1/agent/me").is_success  # the token is in the cache now
    await asyncio.sleep(1.2)  # the guard's revocation counter is read, unchanged
    await asyncio.to_thread(store.write_sync, revoke, "Bob")
    t0 = time.monotonic()
    try:
        ws = await connect(f"{world.server.ws_url}/v1/agent/ws?token={world.agent2_token}")
    except InvalidStatus as e:  # the cache had expired: refused at once
        assert e.response.status_code == 403
        return
    try:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        assert (ws.close_code, ws.close_reason) == (1008, "revoked")
        assert time.monotonic() - t0 < 2.5
    finally:
        await ws.close()
