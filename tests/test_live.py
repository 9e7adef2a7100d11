"""The live stream: replay after an id, then live; no gap, no duplicate,
across a server restart; resync when the id is older than the log keeps."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from tests.harness import World


async def recv_events(ws, n: int, timeout: float = 10) -> list[dict]:
    out: list[dict] = []
    while len(out) < n:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg.get("type") == "heartbeat":
            continue
        out.append(msg)
    return out


def log_ids(world: World) -> list[int]:
    return [r[0] for r in world.query("SELECT id FROM events ORDER BY id")]


async def test_replay_then_live(world: World) -> None:
    v, _ = world.visitor()
    with v:
        v.post("/v1/widget/messages", json={"body": "before"})
        ids = log_ids(world)
        url = f"{world.server.ws_url}/v1/live?after=0&token={world.sup_token}"
        async with connect(url) as ws:
            got = await recv_events(ws, len(ids))
            assert [e["id"] for e in got] == ids
            assert {"session.started", "conversation.started", "message.created"} <= {
                e["type"] for e in got
            }
            await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "after"})
            live = await recv_events(ws, 1)
            assert live[0]["type"] == "message.created"
            assert live[0]["data"]["body"] == "after"
            assert live[0]["id"] == ids[-1] + 1


async def test_resume_across_restart_has_no_gap_or_duplicate(world: World) -> None:
    v, _ = world.visitor()
    seen: list[int] = []
    with v:
        v.post("/v1/widget/messages", json={"body": "one"})
        url = f"{world.server.ws_url}/v1/live?token={world.sup_token}"
        async with connect(url + "&after=0") as ws:
            seen += [e["id"] for e in await recv_events(ws, len(log_ids(world)))]
        await asyncio.to_thread(world.server.restart)
        await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "while away"})
        async with connect(url + f"&after={seen[-1]}") as ws:
            await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "after"})
            want = len(log_ids(world)) - len(seen)
            seen += [e["id"] for e in await recv_events(ws, want)]
    assert seen == log_ids(world)


async def test_resync_when_older_than_the_log(world: World) -> None:
    v, _ = world.visitor()
    with v:
        v.post("/v1/widget/messages", json={"body": "x"})
    world.server.stop()
    top = world.query("SELECT max(id) FROM events")[0][0]
    world.query("DELETE FROM events WHERE id <= ?", (top - 1,))
    world.query("INSERT INTO meta(key, value) VALUES ('events_pruned_through', ?)", (str(top - 1),))
    world.server.start()
    url = f"{world.server.ws_url}/v1/live?after=1&token={world.sup_token}"
    async with connect(url) as ws:
        first = (await recv_events(ws, 1))[0]
        assert first["type"] == "resync" and first["latest_id"] == top


async def test_live_refuses_non_supervisors(world: World) -> None:
    import websockets

    for token in ("nope", world.agent_token):
        try:
            async with connect(f"{world.server.ws_url}/v1/live?token={token}") as ws:
                await ws.recv()
        except (websockets.InvalidStatus, websockets.ConnectionClosed):
            continue
        raise AssertionError("live stream opened for a non-supervisor")


async def test_visitor_and_agent_sockets(world: World) -> None:
    v, s = world.visitor()
    with v:
        vurl = f"{world.server.ws_url}/v1/widget/ws?token={s['token']}"
        aurl = f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}"
        async with connect(aurl) as agent, connect(vurl) as visitor:
            # the socket's presence write is queued as it opens: wait for it
            # (a loaded machine, or PostgreSQL, takes more than a moment)
            with world.sup() as c:
                for _ in range(100):
                    items = c.get("/v1/agents").json()["items"]
                    pres = {a["name"]: a["presence"] for a in items}
                    if pres["Alice"] == "online":
                        break
                    await asyncio.sleep(0.05)
                assert pres["Alice"] == "online"
            await visitor.send(json.dumps({"type": "message", "body": "hello", "client_id": "c1"}))
            ack = json.loads(await asyncio.wait_for(visitor.recv(), 5))
            assert ack["type"] == "ack" and ack["client_id"] == "c1"
            cid = ack["conversation_id"]
            seen = [json.loads(await asyncio.wait_for(agent.recv(), 5)) for _ in range(2)]
            assert [e["type"] for e in seen] == ["conversation.started", "message.created"]
            await agent.send(
                json.dumps({"type": "message", "conversation_id": cid, "body": "<b>hi</b>"})
            )
            frames = [json.loads(await asyncio.wait_for(agent.recv(), 5)) for _ in range(3)]
            assert sorted(f["type"] for f in frames) == [
                "ack",
                "conversation.assigned",
                "message.created",
            ]
            reply = json.loads(await asyncio.wait_for(visitor.recv(), 5))
            assert reply["type"] == "message.created" and reply["data"]["body"] == "<b>hi</b>"
            await visitor.send(json.dumps({"type": "message", "body": {"x": 1}}))
            err = json.loads(await asyncio.wait_for(visitor.recv(), 5))
            assert err["type"] == "error" and err["field"] == "body"
            await visitor.send("not json")
            await asyncio.wait_for(visitor.wait_closed(), 5)
            assert visitor.close_code == 1007
        await asyncio.sleep(0.2)
        with world.sup() as c:
            pres = {a["name"]: a["presence"] for a in c.get("/v1/agents").json()["items"]}
            assert pres["Alice"] == "offline"


def test_the_store_knows_the_newest_event_it_committed_before_it_answers(world: World) -> None:
    """A chat socket starts past `Store.committed_event_id` (tests/
    test_socket_start.py, where publishing is made late on SQLite; on
    PostgreSQL the feed's NOTIFY would publish in time there): on both
    engines it is the log's head once a write has been answered."""
    store = world.server.app.state.store
    v, _ = world.visitor()
    for body in ("one", "two"):
        assert v.post("/v1/widget/messages", json={"body": body}).status_code == 201
        [(head,)] = world.query("SELECT max(id) FROM events")
        assert store.committed_event_id == head > 0
