"""A conversation nobody writes in for `[server] idle_end_s` ends with
end_reason "idle": the visitor's widget socket and the advisors hear
`conversation.ended`, its status is `ended`, and a chat still going is left
alone."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.harness import World

IDLE_S = 4.0  # checked every second


async def next_of(ws: ClientConnection, type_: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if frame.get("type") == type_:
            return dict(frame)


async def test_idle_conversations_end_and_the_widget_hears_it(
    tmp_path: Path, store_backend: str | None
) -> None:
    world = World(tmp_path, store_url=store_backend, server={"idle_end_s": IDLE_S})
    try:
        store = world.server.app.state.store
        v_old, s_old = world.visitor()
        v_new, s_new = world.visitor()
        ws = world.server.ws_url
        # the sockets first: a chat ended before a socket opened is not news
        # to it (tests/test_socket_start.py), and the janitor may run at once
        async with (
            connect(f"{ws}/v1/widget/ws?token={s_old['token']}") as w_old,
            connect(f"{ws}/v1/widget/ws?token={s_new['token']}") as w_new,
            connect(f"{ws}/v1/agent/ws?token={world.agent_token}") as agent,
        ):
            # a chat whose last message is a minute old, and one just written
            store.clock = lambda: time.time() - 60
            old = v_old.post("/v1/widget/messages", json={"body": "anyone?"}).json()
            store.clock = time.time
            new = v_new.post("/v1/widget/messages", json={"body": "hello"}).json()
            ended = await next_of(w_old, "conversation.ended", 10)
            started = time.monotonic()
            assert ended["data"]["conversation_id"] == old["conversation_id"]
            assert ended["data"]["end_reason"] == "idle"
            assert ended["data"]["conversation"]["status"] == "ended"
            with world.sup() as c:
                detail = c.get(f"/v1/conversations/{old['conversation_id']}").json()
                last = datetime.fromisoformat(detail["messages"][-1]["at"])
                # it ended as of its last message + idle_end_s
                assert datetime.fromisoformat(ended["data"]["at"]) == datetime.fromtimestamp(
                    last.timestamp() + IDLE_S, last.tzinfo
                )
                status = c.get(f"/v1/conversations/{new['conversation_id']}").json()
                assert status["conversation"]["status"] == "unanswered"  # still going
            seen = await next_of(agent, "conversation.ended", 5)
            assert seen["data"]["conversation_id"] == old["conversation_id"]
            # the other visitor keeps writing: not idle yet
            await asyncio.sleep(IDLE_S / 2)
            await w_new.send(json.dumps({"type": "message", "body": "still here"}))
            await next_of(w_new, "ack", 5)
            await asyncio.sleep(IDLE_S * 0.75)
            with world.sup() as c:
                status = c.get(f"/v1/conversations/{new['conversation_id']}").json()
            assert status["conversation"]["ended_at"] is None
            ended = await next_of(w_new, "conversation.ended", IDLE_S * 3)
            assert ended["data"]["conversation_id"] == new["conversation_id"]
            assert ended["data"]["end_reason"] == "idle"
            assert time.monotonic() - started >= IDLE_S  # not before it was idle
        # an advisor's end says so
        v3, _ = world.visitor()
        cid = v3.post("/v1/widget/messages", json={"body": "hi"}).json()["conversation_id"]
        with world.http(world.agent_token) as a:
            assert a.post(f"/v1/agent/conversations/{cid}/end").json()["ended"] is True
        with world.sup() as c:
            events = c.get("/v1/events", params={"after": 0, "limit": 500}).json()["items"]
        reasons = {
            e["data"]["conversation_id"]: e["data"]["end_reason"]
            for e in events
            if e["type"] == "conversation.ended"
        }
        assert reasons == {
            old["conversation_id"]: "idle",
            new["conversation_id"]: "idle",
            cid: "agent",
        }
    finally:
        world.close()


def test_idle_end_s_is_bounded(tmp_path: Path) -> None:
    import pytest
    from pydantic import ValidationError

    from tests.harness import make_settings

    for bad in (-1, 31 * 86400):
        with pytest.raises(ValidationError, match="idle_end_s"):
            make_settings(tmp_path, server={"idle_end_s": bad})
    assert make_settings(tmp_path).server.idle_end_s == 1800
