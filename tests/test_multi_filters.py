"""Repeated `agent_id`, `site_id`, `status` (API.md, v1 additions, Filters):
any of the values within a key, all keys together, on every list, report,
statistic and export. A multi-select list is the union of the single
selections; a report's additive totals are their sum, and its distinct
counts are distinct over the union."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from tests.harness import World
from tests.test_api_lists import all_pages, chat

LISTS = ["/v1/conversations", "/v1/offline-messages", "/v1/calls", "/v1/visitors", "/v1/contacts"]
STATUS_LISTS = {
    "/v1/conversations": ["open", "answered", "unanswered", "ended"],
    "/v1/offline-messages": ["new", "read", "handled"],
    "/v1/calls": ["ringing", "answered", "missed", "ended"],
}
REPORTS = [
    "/v1/reports/daily",
    "/v1/reports/monthly",
    "/v1/stats/visitors",
    "/v1/stats/agents",
    "/v1/stats/interactions",
    "/v1/stats/heatmap",
    "/v1/stats/presence",
]


def _traffic(world: World) -> None:
    """Chats on both sites by both advisors (answered, unanswered, ended), a
    visitor back on the other site, offline messages, calls in several states.
    Both advisors are online, so visits are presented to one or the other."""
    for token in (world.agent_token, world.agent2_token):
        with world.http(token) as ag:
            r = ag.post("/v1/agent/presence", json={"status": "online"})
            assert r.status_code == 204, r.text
    a = chat(world, "hello shop", reply="hi", token=world.agent_token)
    b = chat(world, "hello blog", site_key=world.site2_key, reply="yo", token=world.agent2_token)
    chat(world, "nobody answers me")
    chat(world, "on the blog, unanswered", site_key=world.site2_key)
    with world.http(world.agent_token) as ag:
        assert ag.post(f"/v1/agent/conversations/{a['conversation_id']}/end").status_code == 200
    # a visitor back on the other site: one visitor, two sites (distinct counts)
    v1, s1 = world.visitor()
    with v1:
        assert v1.post("/v1/widget/messages", json={"body": "first"}).status_code == 201
    v2, _ = world.visitor(world.site2_key, visitor_token=s1["token"])
    with v2:
        assert v2.post("/v1/widget/messages", json={"body": "again"}).status_code == 201
    with world.sup() as c:
        for vid in (s1["visitor_id"], a["visitor_id"]):
            r = c.put(f"/v1/visitors/{vid}/profile", json={"name": f"V{vid}"})
            assert r.status_code == 200, r.text
    for key in (world.site_key, world.site2_key, world.site_key):
        v, _ = world.visitor(key)
        with v:
            r = v.post("/v1/widget/offline-messages", json={"body": "call me back"})
            assert r.status_code == 201, r.text
    for token, s, final in (
        (world.agent_token, a, "missed"),
        (world.agent2_token, b, "answered"),
        (world.agent_token, b, None),
    ):
        with world.http(token) as ag:
            r = ag.post("/v1/calls", json={"visitor_id": s["visitor_id"]})
            assert r.status_code == 201, r.text
            if final:
                assert ag.patch(f"/v1/calls/{r.json()['id']}", json={"state": final}).is_success
    # one offline message read, one handled by Bob (no API sets these yet)
    world.query("UPDATE offline_messages SET status = 'read' WHERE id = 1")
    world.query(
        "UPDATE offline_messages SET status = 'handled', handled_by = ? WHERE id = 2",
        (world.agent2_id,),
    )


def _ids(c: httpx.Client, path: str, **params: Any) -> list[int]:
    return sorted(i["id"] for i in all_pages(c, path, limit=2, **params))


def test_lists_are_the_union_of_single_selections(world: World) -> None:
    _traffic(world)
    agents, sites = [world.agent_id, world.agent2_id], [world.site_id, world.site2_id]
    with world.sup() as c:
        for path in LISTS:
            for key, values in (("agent_id", agents), ("site_id", sites)):
                singles = [set(_ids(c, path, **{key: v})) for v in values]
                union = sorted(set().union(*singles))
                assert _ids(c, path, **{key: values}) == union, (path, key)
                assert _ids(c, path, **{key: values[:1] * 2}) == sorted(singles[0])
            # all keys together: the intersection of the keys
            both = set(_ids(c, path, agent_id=agents[0])) & set(_ids(c, path, site_id=sites[1]))
            assert _ids(c, path, agent_id=agents[0], site_id=sites[1]) == sorted(both), path
        for path, statuses in STATUS_LISTS.items():
            singles = [set(_ids(c, path, status=s)) for s in statuses]
            assert all(singles[:2]), (path, singles)  # the test data has rows for these
            for pick in (statuses[:2], statuses[1:], statuses):
                union = sorted(set().union(*(singles[statuses.index(s)] for s in pick)))
                assert _ids(c, path, status=pick) == union, (path, pick)
        summary = lambda **p: c.get("/v1/calls", params=p).json()["summary"]["total"]  # noqa: E731
        assert summary(status=["missed", "answered"]) == summary(status="missed") + summary(
            status="answered"
        )
        assert summary(agent_id=agents) == summary(agent_id=agents[0]) + summary(agent_id=agents[1])


def test_status_elsewhere_and_bad_values_are_422(world: World) -> None:
    with world.sup() as c:
        for path in [
            "/v1/visitors",
            "/v1/contacts",
            *REPORTS,
            "/v1/export/visitors",
            "/v1/export/daily",
        ]:
            r = c.get(path, params={"status": "open"})
            assert r.status_code == 422 and r.json()["error"]["field"] == "status", (path, r.text)
        r = c.get("/v1/conversations", params={"status": ["open", "weird"]})
        assert r.status_code == 422 and r.json()["error"]["field"] == "status"
        for bad in ("x", "0", "-1", "1.5", "99999999999999999999", "١"):
            r = c.get("/v1/calls", params={"agent_id": ["1", bad]})
            assert r.status_code == 422 and r.json()["error"]["field"] == "agent_id", bad
        r = c.get("/v1/conversations", params={"site_id": [str(i) for i in range(1, 102)]})
        assert r.status_code == 422 and r.json()["error"]["field"] == "site_id"


def _totals(c: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    r = c.get(path, params=params)
    assert r.status_code == 200, (path, r.text)
    return r.json()


def test_report_totals_are_sums_and_distinct_over_the_union(world: World) -> None:
    _traffic(world)
    with world.sup() as c:
        for key, values in (
            ("agent_id", [world.agent_id, world.agent2_id]),
            ("site_id", [world.site_id, world.site2_id]),
        ):
            for path in ("/v1/reports/daily", "/v1/reports/monthly"):
                one, two = (_totals(c, path, **{key: v})["totals"] for v in values)
                assert one["visitors"] > 0 and two["visitors"] > 0, (path, key)
                both = _totals(c, path, **{key: values})["totals"]
                everything = _totals(c, path)["totals"]
                for n, v in both.items():
                    if n == "visitors":  # distinct over the union
                        assert v == len(_ids(c, "/v1/visitors", **{key: values})), (path, key)
                        assert v <= everything[n]
                    else:
                        assert v == one[n] + two[n], (path, key, n)
            one, two = (_totals(c, "/v1/stats/visitors", **{key: v})["totals"] for v in values)
            both = _totals(c, "/v1/stats/visitors", **{key: values})["totals"]
            assert both["visits"] == one["visits"] + two["visits"]
            assert (
                both["unique_visitors"]
                == _totals(c, "/v1/stats/visitors")["totals"]["unique_visitors"]
            )
            rows = lambda **p: _totals(c, "/v1/stats/interactions", **p)["rows"]  # noqa: E731
            for r1, r2, rb in zip(
                rows(**{key: values[0]}),
                rows(**{key: values[1]}),
                rows(**{key: values}),
                strict=True,
            ):
                assert rb["chats"] == r1["chats"] + r2["chats"]
                assert rb["unanswered"] == r1["unanswered"] + r2["unanswered"]
            grid = lambda **p: _totals(c, "/v1/stats/heatmap", **p)["rows"]  # noqa: E731
            assert sum(map(sum, grid(**{key: values}))) == sum(
                map(sum, grid(**{key: values[0]}))
            ) + sum(map(sum, grid(**{key: values[1]})))
        # the visitor seen on both sites counts once over the two sites
        sites = [world.site_id, world.site2_id]
        per_site = [_totals(c, "/v1/reports/daily", site_id=s)["totals"]["visitors"] for s in sites]
        both = _totals(c, "/v1/reports/daily", site_id=sites)["totals"]["visitors"]
        assert both == sum(per_site) - 1
        agents = _totals(c, "/v1/stats/agents", agent_id=[world.agent2_id, world.agent_id])
        assert sorted(r["agent"]["id"] for r in agents["rows"]) == [world.agent_id, world.agent2_id]
        by_site = [
            {r["agent"]["id"]: r for r in _totals(c, "/v1/stats/agents", site_id=x)["rows"]}
            for x in sites
        ]
        over_both = _totals(c, "/v1/stats/agents", site_id=sites)["rows"]
        for row in over_both:
            aid = row["agent"]["id"]
            for n in ("chats", "answered", "unanswered", "visits_presented"):
                assert row[n] == by_site[0][aid][n] + by_site[1][aid][n], (aid, n)
            assert row["visitors_presented"] <= (
                by_site[0][aid]["visitors_presented"] + by_site[1][aid]["visitors_presented"]
            )
        presence = _totals(c, "/v1/stats/presence", agent_id=[world.agent_id, world.agent2_id])
        for row in presence["rows"]:
            alone = _totals(c, "/v1/stats/presence", agent_id=row["agent"]["id"])["rows"]
            assert [p["status"] for p in alone[0]["intervals"]] == [
                p["status"] for p in row["intervals"]
            ]
        for aid in (world.agent_id, world.agent2_id):
            alone = _totals(c, "/v1/stats/agents", agent_id=aid, site_id=sites)["rows"]
            row = next(r for r in agents["rows"] if r["agent"]["id"] == aid)
            assert alone[0]["chats"] == row["chats"]


def test_exports_take_repeated_filters(world: World) -> None:
    _traffic(world)
    with world.sup() as c:

        def rows(kind: str, **params: Any) -> list[dict[str, str]]:
            r = c.get(f"/v1/export/{kind}", params=params)
            assert r.status_code == 200, r.text
            return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))

        for kind, statuses in (
            ("calls", ["missed", "answered"]),
            ("offline-messages", ["new", "read"]),
        ):
            singles = [len(rows(kind, status=s)) for s in statuses]
            assert len(rows(kind, status=statuses)) == sum(singles) > 0
        convs = rows("conversations", per="conversation", status=["answered", "unanswered"])
        ids = {r["id"] for r in convs}
        assert ids == {
            str(i)
            for s in ("answered", "unanswered")
            for i in _ids(c, "/v1/conversations", status=s)
        }
        sites = [world.site_id, world.site2_id]
        assert len(rows("visitors", site_id=sites)) == len(
            {r["id"] for s in sites for r in rows("visitors", site_id=s)}
        )
