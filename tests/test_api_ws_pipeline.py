"""A chat socket does not wait for one message's commit before it reads the
next (live_sockets.py `_read_requests`): a burst from one visitor shares the
writer's batches. What must hold all the same, on both engines: the messages
are stored in the order they were sent, each reply (ack or error) comes in
that order, a retry answers its original, and a malformed frame closes the
socket only after the replies of the frames before it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.harness import World

BURST = 28  # beyond IN_FLIGHT (16): reading waits, then goes on; within the rate limit


async def _replies(ws: Any, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
        if frame["type"] in ("ack", "error", "pong"):
            out.append(frame)
    return out


async def test_a_burst_is_stored_and_answered_in_order(world: World) -> None:
    _, s = world.visitor()
    async with connect(f"{world.server.ws_url}/v1/widget/ws?token={s['token']}") as ws:
        frames: list[dict[str, Any]] = []
        for i in range(BURST):
            if i == 10:
                frames.append({"type": "message", "body": "", "client_id": "empty"})  # refused
            elif i == 20:
                frames.append({"type": "ping"})
            elif i == 25:
                frames.append({"type": "message", "body": "m5 again", "client_id": "c5"})
            else:
                frames.append({"type": "message", "body": f"m{i}", "client_id": f"c{i}"})
        for f in frames:  # all at once: no frame waits for a reply
            await ws.send(json.dumps(f))
        replies = await _replies(ws, BURST)
    kinds = [r["type"] for r in replies]
    assert kinds[10] == "error" and replies[10]["client_id"] == "empty"
    assert kinds[20] == "pong"
    assert [r.get("client_id") for r in replies] == [f.get("client_id") for f in frames]
    acks = [r for i, r in enumerate(replies) if i not in (10, 20)]
    assert all(r["type"] == "ack" for r in acks), [r for r in acks if r["type"] != "ack"][:2]
    assert replies[25]["message_id"] == replies[5]["message_id"]  # the retry: its original
    firsts = [r for i, r in enumerate(replies) if i not in (10, 20, 25)]
    ids = [r["message_id"] for r in firsts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    events = [r["event_id"] for r in firsts]
    assert events == sorted(events)
    cid = firsts[0]["conversation_id"]
    assert {r["conversation_id"] for r in firsts} == {cid}
    detail = world.sup().get(f"/v1/conversations/{cid}").json()
    bodies = [m["body"] for m in detail["messages"]]
    assert bodies == [f["body"] for i, f in enumerate(frames) if i not in (10, 20, 25)]


async def test_a_bad_frame_closes_after_the_replies_before_it(world: World) -> None:
    _, s = world.visitor()
    async with connect(f"{world.server.ws_url}/v1/widget/ws?token={s['token']}") as ws:
        for i in range(5):
            await ws.send(json.dumps({"type": "message", "body": f"b{i}", "client_id": f"b{i}"}))
        await ws.send("not json")
        got: list[dict[str, Any]] = []
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if frame["type"] == "ack":
                    got.append(frame)
        except ConnectionClosed:
            pass
        assert ws.close_code == 1007
    assert [a["client_id"] for a in got] == [f"b{i}" for i in range(5)]
