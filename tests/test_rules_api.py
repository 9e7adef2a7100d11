"""The rules of domain/rules.py as the real server answers them: a
conversation's advisor is the same in the statistics and in the list a
drill-down opens; a call's duration is the same in the list, its event and
the export."""

from __future__ import annotations

import json

from tests.harness import World


def _events(world: World, type_: str) -> list[dict]:
    with world.sup() as c:
        items = c.get("/v1/events", params={"after": 0, "limit": 5000}).json()["items"]
    return [e for e in items if e["type"] == type_]


def test_missed_call_duration_is_the_same_everywhere(world: World) -> None:
    v, s = world.visitor()
    v.close()
    with world.http(world.agent_token) as a:
        cid = a.post("/v1/calls", json={"visitor_id": s["visitor_id"]}).json()["id"]
        r = a.patch(f"/v1/calls/{cid}", json={"state": "missed", "end_reason": "no_answer"})
        assert r.json()["duration_s"] == 0.0
    with world.sup() as c:
        listed = next(i for i in c.get("/v1/calls").json()["items"] if i["id"] == cid)
        exported = [
            json.loads(line)
            for line in c.get("/v1/export/calls", params={"format": "jsonl"}).text.splitlines()
        ]
    event = [e for e in _events(world, "call.updated") if e["data"]["id"] == cid][-1]
    assert event["data"]["state"] == "missed"
    assert listed["duration_s"] == 0.0
    assert event["data"]["duration_s"] == 0.0
    assert [x["duration_s"] for x in exported if x["id"] == cid] == [0.0]


def _presence(world: World, token: str, status: str) -> None:
    with world.http(token) as a:
        assert a.post("/v1/agent/presence", json={"status": status}).status_code == 204


def _visit(world: World, write: bool = True) -> tuple[dict, int | None]:
    v, s = world.visitor()
    with v:
        if not write:
            return s, None
        r = v.post("/v1/widget/messages", json={"body": "hello?"})
        assert r.status_code == 201, r.text
        return s, r.json()["conversation_id"]


def _answer(world: World, token: str, cid: int) -> None:
    with world.http(token) as a:
        r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "here"})
        assert r.status_code == 201, r.text


def test_agent_stats_chats_equal_the_drill_down(world: World) -> None:
    alice, bob = world.agent_token, world.agent2_token
    # Alice alone online: two visitors are shown Alice
    _presence(world, alice, "online")
    s1, c1 = _visit(world)  # unanswered: counts for Alice (presented)
    s2, c2 = _visit(world)
    assert s1["presented_agent"]["id"] == s2["presented_agent"]["id"] == world.agent_id
    assert c1 is not None and c2 is not None
    _answer(world, bob, c2)  # answered by Bob: Bob holds it, it counts for Bob
    # Bob alone online: two visitors are shown Bob
    _presence(world, alice, "offline")
    _presence(world, bob, "online")
    s3, c3 = _visit(world)  # unanswered: Bob's
    s4, c4 = _visit(world)
    assert s3["presented_agent"]["id"] == s4["presented_agent"]["id"] == world.agent2_id
    assert c3 is not None and c4 is not None
    _answer(world, alice, c4)  # Alice's
    # nobody online: an advisor-less chat counts for nobody
    _presence(world, bob, "offline")
    _s5, c5 = _visit(world)
    expected = {world.agent_id: {c1, c4}, world.agent2_id: {c2, c3}}
    with world.sup() as c:
        rows = c.get("/v1/stats/agents").json()["rows"]
        for row in rows:
            aid = row["agent"]["id"]
            listed = c.get("/v1/conversations", params={"agent_id": aid, "limit": 500}).json()
            ids = {i["id"] for i in listed["items"]}
            assert ids == expected[aid], (row, ids)
            assert row["chats"] == len(ids)
            unanswered = c.get(
                "/v1/conversations", params={"agent_id": aid, "status": "unanswered"}
            ).json()["items"]
            assert row["unanswered"] == len(unanswered) == 1
        everything = {i["id"] for i in c.get("/v1/conversations").json()["items"]}
    assert c5 in everything and sum(r["chats"] for r in rows) == 4


def test_calls_summary_adds_up(world: World) -> None:
    v, s = world.visitor()
    v.close()
    moves = {
        "talked": [("answered", None), ("ended", "agent_hangup")],
        "dropped": [("answered", None), ("failed", "network_error")],  # ever answered
        "missed": [("missed", "no_answer")],
        "rejected": [("rejected", "busy")],
        "failed": [("failed", "network_error")],
        "ringing": [],
    }
    with world.http(world.agent_token) as a:
        for steps in moves.values():
            cid = a.post("/v1/calls", json={"visitor_id": s["visitor_id"]}).json()["id"]
            for state, reason in steps:
                r = a.patch(f"/v1/calls/{cid}", json={"state": state, "end_reason": reason})
                assert r.status_code == 200, r.text
    with world.sup() as c:
        summary = c.get("/v1/calls").json()["summary"]
    counts = {k: summary[k] for k in ("answered", "missed", "rejected", "failed", "ringing")}
    assert counts == {"answered": 2, "missed": 1, "rejected": 1, "failed": 1, "ringing": 1}
    assert sum(counts.values()) == summary["total"] == 6


def test_one_send_path_one_error_for_an_empty_message(world: World) -> None:
    v, _s = world.visitor()
    with v:
        sent = v.post("/v1/widget/messages", json={"body": "hi"}).json()
        from_visitor = v.post("/v1/widget/messages", json={"body": "   "})
    with world.http(world.agent_token) as a:
        from_agent = a.post(
            f"/v1/agent/conversations/{sent['conversation_id']}/messages", json={"body": " "}
        )
    assert from_visitor.status_code == from_agent.status_code == 422
    assert from_visitor.json() == from_agent.json()
    assert from_visitor.json()["error"]["field"] == "body"
