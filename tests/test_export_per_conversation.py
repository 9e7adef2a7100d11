"""`GET /v1/export/conversations?per=conversation`: one row per conversation
(API.md, v1 additions, Exports); without `per`, one row per message."""

from __future__ import annotations

import csv
import io
import json
import time

from tests.harness import World
from tests.test_api_lists import chat

COLUMNS = [
    "id", "started_at", "ended_at", "end_reason", "site", "advisor", "visitor_number",
    "visitor_name", "messages", "first_response_s", "avg_response_s", "status",
]  # fmt: skip


def test_one_row_per_conversation(world: World) -> None:
    a = chat(world, "hello", reply="hi there")
    v, s = world.visitor(world.site2_key)
    with v:
        assert v.post("/v1/widget/messages", json={"body": "=1+1"}).status_code == 201
        time.sleep(0.2)
        assert v.post("/v1/widget/messages", json={"body": "anyone?"}).status_code == 201
    with world.sup() as c:
        put = c.put(f"/v1/visitors/{s['visitor_id']}/profile", json={"name": "@Eve"})
        assert put.status_code == 200
        r = c.get("/v1/export/conversations", params={"per": "conversation"})
        assert r.status_code == 200, r.text
        text = r.content.decode("utf-8-sig")
        assert text.splitlines()[0].split(",") == COLUMNS
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
        assert len(rows) == 2
        one = rows[str(a["conversation_id"])]
        assert one["site"] == "Shop" and one["advisor"] == "Alice"
        assert one["messages"] == "2" and one["status"] == "answered"
        assert float(one["first_response_s"]) == float(one["avg_response_s"]) >= 0
        two = next(r for k, r in rows.items() if k != str(a["conversation_id"]))
        assert two["visitor_name"] == "'@Eve"  # spreadsheet-safe
        assert two["messages"] == "2" and two["status"] == "unanswered"
        assert two["avg_response_s"] == "" and two["ended_at"] == ""
        # filters apply as on the list; jsonl has the same fields
        r = c.get(
            "/v1/export/conversations",
            params={"per": "conversation", "format": "jsonl", "status": "unanswered"},
        )
        lines = [json.loads(x) for x in r.text.splitlines()]
        assert [list(x) for x in lines] == [COLUMNS]
        assert lines[0]["visitor_number"] == s["visitor_number"]
        # without per: a row per message, as before
        r = c.get("/v1/export/conversations", params={"format": "jsonl"})
        assert len(r.text.splitlines()) == 4
        r = c.get("/v1/export/calls", params={"per": "conversation"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "per"
        r = c.get("/v1/export/conversations", params={"per": "visitor"})
        assert r.status_code == 422
