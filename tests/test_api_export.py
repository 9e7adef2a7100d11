"""Exports: streamed CSV/JSONL of what the filters select, formulas defused."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.harness import World
from tests.test_api_lists import chat


def test_conversation_export_csv_and_jsonl(world: World) -> None:
    a = chat(world, '=HYPERLINK("http://evil")', reply="+1 on that")
    chat(world, "@SUM(A1:A2) other", site_key=world.site2_key)
    with world.sup() as c:
        r = c.get("/v1/export/conversations", params={"format": "csv", "site_id": world.site_id})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        text = r.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [row["body"] for row in rows] == ['\'=HYPERLINK("http://evil")', "'+1 on that"]
        assert {row["conversation_id"] for row in rows} == {str(a["conversation_id"])}
        for row in rows:
            for value in row.values():
                assert not value or value[0] not in "=+-@\t\r"
        r = c.get("/v1/export/conversations", params={"format": "jsonl"})
        lines = [json.loads(x) for x in r.text.splitlines()]
        assert len(lines) == 3
        # JSONL keeps the text as typed: neutralising is for spreadsheets
        assert '=HYPERLINK("http://evil")' in {x["body"] for x in lines}


def test_export_pages_through_everything(world: World, monkeypatch) -> None:
    from chatsup.server.routes import exports

    monkeypatch.setattr(exports, "PAGE", 5)  # 12 rows: three pages
    for i in range(12):
        chat(world, f"row {i}")
    with world.sup() as c:
        for kind in ("conversations", "visitors", "offline-messages", "calls", "contacts"):
            r = c.get(f"/v1/export/{kind}", params={"format": "jsonl"})
            assert r.status_code == 200, (kind, r.text)
        r = c.get("/v1/export/visitors", params={"format": "jsonl"})
        assert len({json.loads(x)["id"] for x in r.text.splitlines()}) == 12
        r = c.get("/v1/export/conversations", params={"format": "csv"})
        assert len(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))) == 12
        r = c.get("/v1/export/visitors", params={"format": "xml"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "format"


@pytest.mark.parametrize(
    "kind", ["conversations", "offline-messages", "calls", "visitors", "contacts"]
)
def test_an_empty_export_still_has_its_header(world: World, kind: str) -> None:
    """Nothing selected: the CSV is the header row alone (a spreadsheet still
    shows the columns), and it is the header a full export has."""
    v, s = world.visitor()
    with v:
        v.post("/v1/widget/messages", json={"body": "hello"})
        v.post("/v1/widget/offline-messages", json={"name": "Zoé", "body": "call me"})
    with world.sup() as c:
        c.put(f"/v1/visitors/{s['visitor_id']}/profile", json={"name": "Zoé"})
        with world.http(world.agent_token) as a:
            a.post("/v1/calls", json={"visitor_id": s["visitor_id"]})
        full = c.get(f"/v1/export/{kind}").text.lstrip("\ufeff").splitlines()
        empty = c.get(f"/v1/export/{kind}", params={"since": "2001-01-01", "until": "2001-01-02"})
    assert empty.status_code == 200
    lines = empty.text.lstrip("\ufeff").splitlines()
    assert len(full) >= 2 and lines == full[:1]
