"""Ownership (issue 16 items 2, 3, 8 and calls): an advisor writes to, ends
and gets the events of only the chats it holds or nobody holds, over HTTP
and over its socket alike (`rules.may_handle`); calls likewise."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.harness import World


def open_chat(world: World, body: str = "hello") -> tuple[int, str]:
    """A visitor's chat: its id and the visitor's token."""
    v, s = world.visitor()
    with v:
        r = v.post("/v1/widget/messages", json={"body": body})
        assert r.status_code == 201, r.text
        return int(r.json()["conversation_id"]), str(s["token"])


def held_by_alice(world: World) -> tuple[int, str]:
    cid, token = open_chat(world)
    with world.http(world.agent_token) as a:
        r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Alice here"})
        assert r.status_code == 201, r.text
    return cid, token


async def frames_until(ws: ClientConnection, stop: Any, timeout: float = 5) -> list[dict]:
    """Frames (heartbeats left out) up to the first for which `stop` is true."""
    out: list[dict] = []
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg.get("type") in ("heartbeat", "pong"):
            continue
        out.append(msg)
        if stop(msg):
            return out


def agent_ws(world: World, token: str) -> Any:
    return connect(f"{world.server.ws_url}/v1/agent/ws?token={token}")


def transcript(world: World, cid: int) -> list[str]:
    with world.sup() as c:
        return [m["body"] for m in c.get(f"/v1/conversations/{cid}").json()["messages"]]


async def test_an_advisor_cannot_write_into_a_chat_another_holds(world: World) -> None:
    # issue 16 item 2: was 201 and stored over HTTP, and stored over the socket
    cid, _ = held_by_alice(world)
    with world.http(world.agent2_token) as b:
        r = b.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Bob butts in"})
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        assert b.get(f"/v1/agent/conversations/{cid}").status_code == 403
    async with agent_ws(world, world.agent2_token) as ws:
        frame = {"type": "message", "conversation_id": cid, "body": "Bob again", "client_id": "b1"}
        await ws.send(json.dumps(frame))
        [err] = await frames_until(ws, lambda m: m.get("client_id") == "b1")
        assert err["type"] == "error" and err["code"] == "forbidden", err
    assert transcript(world, cid) == ["hello", "Alice here"]
    # the holder still writes; a chat nobody holds is anyone's
    with world.http(world.agent_token) as a:
        assert a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "ok"}).is_success
    free, _ = open_chat(world)
    with world.http(world.agent2_token) as b:
        assert b.post(f"/v1/agent/conversations/{free}/messages", json={"body": "mine"}).is_success


def test_an_advisor_cannot_end_a_chat_another_holds(world: World) -> None:
    # issue 16 item 3: was 200 and ended
    cid, _ = held_by_alice(world)
    with world.http(world.agent2_token) as b:
        r = b.post(f"/v1/agent/conversations/{cid}/end")
        assert r.status_code == 403, r.text
    with world.sup() as c:
        assert c.get(f"/v1/conversations/{cid}").json()["conversation"]["ended_at"] is None
    with world.http(world.agent_token) as a:
        r = a.post(f"/v1/agent/conversations/{cid}/end")
        assert r.status_code == 200 and r.json()["ended"] is True
    waiting, _ = open_chat(world)  # nobody holds it: any advisor may end it
    with world.http(world.agent2_token) as b:
        assert b.post(f"/v1/agent/conversations/{waiting}/end").json()["ended"] is True


def test_an_agent_cannot_change_another_agents_call(world: World) -> None:
    cid, _ = held_by_alice(world)
    with world.sup() as c:
        vid = c.get(f"/v1/conversations/{cid}").json()["conversation"]["visitor"]["id"]
    with world.http(world.agent_token) as a, world.http(world.agent2_token) as b:
        call = a.post("/v1/calls", json={"visitor_id": vid, "conversation_id": cid}).json()
        r = b.patch(f"/v1/calls/{call['id']}", json={"state": "rejected", "end_reason": "rejected"})
        assert r.status_code == 403, r.text
        r = a.patch(f"/v1/calls/{call['id']}", json={"state": "answered"})
        assert r.status_code == 200 and r.json()["state"] == "answered"


async def test_an_advisors_socket_carries_only_its_chats_and_waiting_ones(world: World) -> None:
    # issue 16 item 8: Bob's socket got the visitor's lines of Alice's chat
    cid, vtoken = held_by_alice(world)
    async with agent_ws(world, world.agent2_token) as bob:
        await asyncio.sleep(0.1)
        with world.http(vtoken) as v:
            assert v.post("/v1/widget/messages", json={"body": "secret for Alice"}).is_success
        with world.http(world.agent_token) as a:
            r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Alice only"})
            assert r.is_success
        marker, _ = open_chat(world, "anyone there?")  # waits for anyone: Bob gets it
        got = await frames_until(
            bob,
            lambda m: m["type"] == "message.created" and m["data"]["conversation_id"] == marker,
        )
    seen = {(m["type"], m["data"].get("conversation_id", m["data"].get("id"))) for m in got}
    assert all(c != cid for _, c in seen), got
    assert ("conversation.started", marker) in seen
    text = json.dumps(got)
    assert "secret for Alice" not in text and "Alice only" not in text


def test_the_rule() -> None:
    from chatsup.domain import rules

    assert rules.may_handle(1, None) and rules.may_handle(1, 1) and not rules.may_handle(1, 2)
    assert rules.sees_note(1, 1) and not rules.sees_note(1, None) and not rules.sees_note(1, 2)
    assert rules.reaches_visitor("agent") and rules.reaches_visitor("supervisor")
    assert not rules.reaches_visitor("supervisor", internal=True)
    assert not rules.reaches_visitor("visitor") and not rules.reaches_visitor("system")
