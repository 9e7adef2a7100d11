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
