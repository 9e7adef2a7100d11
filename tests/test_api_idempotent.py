"""Retried sends with a client-supplied id store one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.harness import World


def test_retry_returns_the_original(world: World) -> None:
    v, _ = world.visitor()
    with v:
        first = v.post("/v1/widget/messages", json={"body": "hi", "client_id": "abc-1"}).json()
        again = v.post("/v1/widget/messages", json={"body": "hi", "client_id": "abc-1"}).json()
        assert again == first
        other = v.post("/v1/widget/messages", json={"body": "hi", "client_id": "abc-2"}).json()
        assert other["message_id"] != first["message_id"]
    with world.sup() as c:
        msgs = c.get(f"/v1/conversations/{first['conversation_id']}").json()["messages"]
        assert len(msgs) == 2


def test_five_concurrent_sends_store_one(world: World) -> None:
    v, _ = world.visitor()
    with v, ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda _: v.post("/v1/widget/messages", json={"body": "once", "client_id": "same"}),
                range(5),
            )
        )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["message_id"] for r in answers}) == 1
    with world.http(world.agent_token) as a, ThreadPoolExecutor(5) as pool:
        cid = answers[0].json()["conversation_id"]
        replies = list(
            pool.map(
                lambda _: a.post(
                    f"/v1/agent/conversations/{cid}/messages",
                    json={"body": "ok", "client_id": "r1"},
                ),
                range(5),
            )
        )
    assert len({r.json()["message_id"] for r in replies}) == 1
    with world.sup() as c:
        msgs = c.get(f"/v1/conversations/{cid}").json()["messages"]
        assert [m["body"] for m in msgs] == ["once", "ok"]
