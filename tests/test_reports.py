"""Reports and statistics, checked against figures the test works out itself
from rows it sent through the API at chosen instants (the server's clock is
set by the test). Company time zone: Europe/Paris; the week of the
2026-10-25 change (a 25-hour day)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.harness import World

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def at(text: str, fold: int = 0) -> float:
    """A Paris wall-clock time as an epoch (fold=1: the second 02:xx of the
    night clocks go back)."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS, fold=fold).timestamp()


class Clocked:
    def __init__(self, world: World) -> None:
        self.world = world
        self.store = world.server.app.state.store

    def set(self, ts: float) -> None:
        self.store.clock = lambda: ts


@pytest.fixture
def history(world: World) -> dict:
    clock = Clocked(world)
    w = world
    # A: 23:30 on the 24th; writes at 23:50, answered at 00:10 on the 25th
    clock.set(at("2026-10-24T23:30"))
    va, a = w.visitor()
    clock.set(at("2026-10-24T23:40"))
    va.post("/v1/widget/pageviews", json={"url": "https://shop/1"})
    clock.set(at("2026-10-24T23:50"))
    ca = va.post("/v1/widget/messages", json={"body": "late question"}).json()["conversation_id"]
    clock.set(at("2026-10-25T00:10"))
    w.http(w.agent_token).post(f"/v1/agent/conversations/{ca}/messages", json={"body": "yes"})
    # ...then writes again at 00:20 and gets a second answer at 00:25 (a 5-minute turn)
    clock.set(at("2026-10-25T00:20"))
    va.post("/v1/widget/messages", json={"body": "and another"})
    clock.set(at("2026-10-25T00:25"))
    w.http(w.agent_token).post(f"/v1/agent/conversations/{ca}/messages", json={"body": "ok"})
    # B: 02:30 CEST (first pass), writes at 02:30 CET (second pass), never answered
    clock.set(at("2026-10-25T02:30", fold=0))
    vb, b = w.visitor(w.site2_key)
    clock.set(at("2026-10-25T02:30", fold=1))
    cb = vb.post("/v1/widget/messages", json={"body": "anyone?"}).json()["conversation_id"]
    # A returns at 00:30 on the 26th (23:30 UTC on the 25th): a Paris 26th
    clock.set(at("2026-10-26T00:30"))
    with w.http() as c:
        c.post("/v1/widget/sessions", json={"site_key": w.site_key, "visitor_token": a["token"]})
    va.post("/v1/widget/pageviews", json={"url": "https://shop/2"})
    va.post("/v1/widget/pageviews", json={"url": "https://shop/3"})
    clock.set(at("2026-10-26T10:00"))
    ag = w.http(w.agent_token)
    call = ag.post("/v1/calls", json={"visitor_id": a["visitor_id"]}).json()["id"]
    ag.patch(f"/v1/calls/{call}", json={"state": "missed", "end_reason": "no_answer"})
    ag.post("/v1/sms", json={"visitor_id": a["visitor_id"], "phone": "+33600", "body": "hi"})
    ag.post("/v1/callbacks", json={"visitor_id": b["visitor_id"], "phone": "+33601"})
    clock.set(at("2026-10-26T22:00"))
    vb.post("/v1/widget/offline-messages", json={"body": "call me"})
    return {"a": a, "b": b, "ca": ca, "cb": cb}


def test_daily_buckets_are_local_days(world: World, history: dict) -> None:
    with world.sup() as c:
        r = c.get("/v1/reports/daily", params={"since": "2026-10-23", "until": "2026-10-27"})
        assert r.status_code == 200, r.text
        rows = {x["date"]: x for x in r.json()["rows"]}
    assert list(rows) == ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]
    zero = {"page_views": 0, "visitors": 0, "chats": 0, "calls": 0, "sms": 0}
    assert {k: rows["2026-10-23"][k] for k in zero} == zero
    assert {k: rows["2026-10-27"][k] for k in zero} == zero
    # the conversation spanning midnight belongs to the day it started
    assert rows["2026-10-24"] == {
        "date": "2026-10-24",
        "page_views": 1,
        "visitors": 1,
        "chats": 1,
        "calls": 0,
        "sms": 0,
    }
    # the 25-hour day holds both 02:30s
    assert rows["2026-10-25"] == {
        "date": "2026-10-25",
        "page_views": 0,
        "visitors": 1,
        "chats": 1,
        "calls": 0,
        "sms": 0,
    }
    # 00:30 on the 26th in Paris is still the 25th in UTC: it must count on the 26th
    assert rows["2026-10-26"] == {
        "date": "2026-10-26",
        "page_views": 2,
        "visitors": 1,
        "chats": 0,
        "calls": 1,
        "sms": 1,
    }
    with world.sup() as c:
        totals = c.get(
            "/v1/reports/daily", params={"since": "2026-10-23", "until": "2026-10-27"}
        ).json()["totals"]
    # visitors in the totals are distinct over the range (A came on two days)
    assert totals == {"page_views": 3, "visitors": 2, "chats": 2, "calls": 1, "sms": 1}


def test_filters_apply_to_reports(world: World, history: dict) -> None:
    rng = {"since": "2026-10-24", "until": "2026-10-26"}
    with world.sup() as c:
        site2 = c.get("/v1/reports/daily", params={**rng, "site_id": world.site2_id}).json()
        assert site2["totals"] == {"page_views": 0, "visitors": 1, "chats": 1, "calls": 0, "sms": 0}
        alice = c.get("/v1/reports/daily", params={**rng, "agent_id": world.agent_id}).json()
        assert alice["totals"]["chats"] == 1 and alice["totals"]["calls"] == 1


def test_monthly(world: World, history: dict) -> None:
    with world.sup() as c:
        r = c.get("/v1/reports/monthly", params={"since": "2026-09-01", "until": "2026-11-30"})
        rows = {x["month"]: x for x in r.json()["rows"]}
    assert list(rows) == ["2026-09", "2026-10", "2026-11"]
    assert rows["2026-10"] == {
        "month": "2026-10",
        "page_views": 3,
        "visitors": 2,
        "chats": 2,
        "calls": 1,
        "callbacks": 1,
    }
    assert rows["2026-09"]["chats"] == 0


def test_agent_stats(world: World, history: dict) -> None:
    with world.sup() as c:
        rows = c.get(
            "/v1/stats/agents", params={"since": "2026-10-20", "until": "2026-10-30"}
        ).json()["rows"]
    alice = next(r for r in rows if r["agent"]["name"] == "Alice")
    assert alice["chats"] == 1 and alice["answered"] == 1
    assert alice["avg_first_response_s"] == pytest.approx(20 * 60)
    assert alice["median_first_response_s"] == pytest.approx(20 * 60)
    # every turn: 20 min then 5 min
    assert alice["avg_response_s"] == pytest.approx(12.5 * 60)
    # B's unanswered chat counts against the advisor B was shown (nobody online: none)
    assert sum(r["unanswered"] for r in rows) == 0


def test_interactions_by_day_and_local_hour(world: World, history: dict) -> None:
    rng = {"since": "2026-10-24", "until": "2026-10-26"}
    with world.sup() as c:
        by_day = {
            x["bucket"]: x for x in c.get("/v1/stats/interactions", params=rng).json()["rows"]
        }
        by_hour = {
            x["bucket"]: x
            for x in c.get("/v1/stats/interactions", params={**rng, "by": "hour"}).json()["rows"]
        }
    assert by_day["2026-10-25"]["unanswered"] == 1
    assert by_day["2026-10-24"]["avg_first_response_s"] == pytest.approx(1200)
    assert by_day["2026-10-26"]["offline_messages"] == 1
    assert list(by_hour) == list(range(24))
    assert by_hour[23]["chats"] == 1  # A, 23:50 local (21:50 UTC)
    assert by_hour[2]["chats"] == 1 and by_hour[2]["unanswered"] == 1  # B, 02:30 CET
    assert by_hour[22]["offline_messages"] == 1
    assert sum(x["chats"] for x in by_hour.values()) == 2


def test_visitor_stats_and_heatmap(world: World, history: dict) -> None:
    rng = {"since": "2026-10-24", "until": "2026-10-26"}
    with world.sup() as c:
        vs = c.get("/v1/stats/visitors", params=rng).json()
        hm = c.get("/v1/stats/heatmap", params=rng).json()["rows"]
    days = {d["date"]: d for d in vs["days"]}
    assert days["2026-10-24"] == {
        "date": "2026-10-24",
        "visits": 1,
        "unique_visitors": 1,
        "new_visitors": 1,
    }
    assert days["2026-10-26"] == {
        "date": "2026-10-26",
        "visits": 1,
        "unique_visitors": 1,
        "new_visitors": 0,
    }
    assert vs["totals"] == {"visits": 3, "unique_visitors": 2, "new_visitors": 2}
    assert {x["key"]: x["visits"] for x in vs["by_site"]} == {"Shop": 2, "Blog": 1}
    assert hm[5][23] == 1  # Saturday 24th, 23:xx
    assert hm[6][2] == 1  # Sunday 25th, 02:xx
    assert sum(map(sum, hm)) == 2


def test_bad_report_parameters(world: World) -> None:
    with world.sup() as c:
        r = c.get("/v1/stats/interactions", params={"by": "week"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "by"
        r = c.get("/v1/reports/daily", params={"since": "nope"})
        assert r.status_code == 422
        r = c.get(
            "/v1/export/daily",
            params={"format": "csv", "since": "2026-10-01", "until": "2026-10-03"},
        )
        assert r.status_code == 200 and r.text.count("\r\n") == 4


def test_a_datetime_range_covers_exactly_that_span(world: World, history: dict) -> None:
    """since/until given as instants cut the first and last day: A's page view
    at 23:40 is before the range, A's chat at 23:50 inside it; the answer
    echoes the instants, not the dates (issue 11, item 1)."""
    rng = {"since": "2026-10-24T21:45:00+00:00", "until": "2026-10-24T22:15:00+00:00"}
    with world.sup() as c:
        daily = c.get("/v1/reports/daily", params=rng).json()
        hours = c.get("/v1/stats/interactions", params={**rng, "by": "hour"}).json()
    assert (daily["since"], daily["until"]) == (
        "2026-10-24T23:45:00+02:00",
        "2026-10-25T00:15:00+02:00",
    )
    assert [r["date"] for r in daily["rows"]] == ["2026-10-24", "2026-10-25"]
    assert daily["totals"] == {"page_views": 0, "visitors": 0, "chats": 1, "calls": 0, "sms": 0}
    assert [h["bucket"] for h in hours["rows"] if h["chats"]] == [23]
