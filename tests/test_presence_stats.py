"""Presence history (API.md, v1 additions): every change stored; per
advisor the time online, away and offline over a range clipped to now,
adding up to the range's length; offline before the first change."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from itertools import pairwise

from tests.harness import World


def _at(s: str) -> datetime:
    return datetime.fromisoformat(s)


def test_presence_totals_add_up_to_the_range(world: World) -> None:
    t0 = datetime.now().astimezone()
    with world.http(world.agent_token) as a:
        for status in ("online", "away", "online", "offline"):
            assert a.post("/v1/agent/presence", json={"status": status}).status_code == 204
            time.sleep(0.3)
    with world.http(world.agent2_token) as b:
        assert b.post("/v1/agent/presence", json={"status": "away"}).status_code == 204
    since = (t0 - timedelta(minutes=5)).isoformat()
    until = (t0 + timedelta(hours=2)).isoformat()  # clipped to now
    with world.sup() as c:
        r = c.get("/v1/stats/presence", params={"since": since, "until": until})
        assert r.status_code == 200, r.text
        data = r.json()
        rows = {row["agent"]["id"]: row for row in data["rows"]}
        length = (_at(data["to"]) - _at(data["from"])).total_seconds()
        assert 300 < length < 330  # the range runs from `since` to now, not to `until`
        for row in rows.values():
            total = row["online_s"] + row["away_s"] + row["offline_s"]
            assert abs(total - length) < 0.002, row
            pieces = row["intervals"]
            assert pieces[0]["from"] == data["from"] and pieces[-1]["to"] == data["to"]
            for p, q in pairwise(pieces):
                assert p["to"] == q["from"] and p["status"] != q["status"]
        alice = rows[world.agent_id]
        assert [p["status"] for p in alice["intervals"]] == [
            "offline",
            "online",
            "away",
            "online",
            "offline",
        ]
        assert 0.5 < alice["online_s"] < 5 and 0.2 < alice["away_s"] < 5
        assert alice["offline_s"] > 299  # offline before its first recorded change
        assert [p["status"] for p in rows[world.agent2_id]["intervals"]] == ["offline", "away"]
        # filters: one advisor; several; a status is not a presence filter
        r = c.get("/v1/stats/presence", params={"since": since, "agent_id": world.agent2_id})
        assert [row["agent"]["id"] for row in r.json()["rows"]] == [world.agent2_id]
        r = c.get(
            "/v1/stats/presence",
            params={"since": since, "agent_id": [world.agent2_id, world.agent_id]},
        )
        assert len(r.json()["rows"]) == 2
        r = c.get("/v1/stats/presence", params={"status": "online"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "status"
        # a range that ended before any change: offline throughout
        r = c.get("/v1/stats/presence", params={"since": "2020-01-01", "until": "2020-01-01"})
        for row in r.json()["rows"]:
            assert row["offline_s"] == 86400 and row["online_s"] == row["away_s"] == 0
            assert [p["status"] for p in row["intervals"]] == ["offline"]
        # a range wholly in the future: nothing yet
        r = c.get("/v1/stats/presence", params={"since": "2099-01-01", "until": "2099-01-02"})
        assert all(row["intervals"] == [] for row in r.json()["rows"])
    with world.http(world.agent_token) as a:
        assert a.get("/v1/stats/presence").status_code == 403
