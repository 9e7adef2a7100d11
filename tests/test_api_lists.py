"""Supervisor lists: filters, keyset pagination, search, profiles, calls."""

from __future__ import annotations

import httpx

from tests.harness import World


def chat(
    world: World,
    body: str,
    *,
    site_key: str | None = None,
    reply: str | None = None,
    token: str | None = None,
) -> dict:
    v, s = world.visitor(site_key)
    with v:
        r = v.post("/v1/widget/messages", json={"body": body})
        assert r.status_code == 201, r.text
        sent = r.json()
    if reply:
        with world.http(token or world.agent_token) as a:
            assert (
                a.post(
                    f"/v1/agent/conversations/{sent['conversation_id']}/messages",
                    json={"body": reply},
                ).status_code
                == 201
            )
    return {**s, **sent}


def all_pages(c: httpx.Client, path: str, **params: object) -> list[dict]:
    out: list[dict] = []
    cursor = None
    while True:
        q = {**params, **({"cursor": cursor} if cursor else {})}
        page = c.get(path, params=q).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_filters_by_agent_site_status_and_date(world: World) -> None:
    a = chat(world, "hello shop", reply="hi", token=world.agent_token)
    b = chat(world, "hello blog", site_key=world.site2_key, reply="yo", token=world.agent2_token)
    u = chat(world, "nobody answers me")
    with world.sup() as c:
        ids = lambda **p: [i["id"] for i in c.get("/v1/conversations", params=p).json()["items"]]  # noqa: E731
        assert ids(agent_id=world.agent_id) == [a["conversation_id"]]
        assert ids(agent_id=world.agent2_id) == [b["conversation_id"]]
        assert set(ids(site_id=world.site_id)) == {a["conversation_id"], u["conversation_id"]}
        assert ids(status="unanswered") == [u["conversation_id"]]
        assert ids(visitor_id=u["visitor_id"]) == [u["conversation_id"]]
        assert len(ids(since="2000-01-01", until="2099-12-31")) == 3
        assert ids(until="2001-01-01") == []
        r = c.get("/v1/conversations", params={"status": "weird"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "status"
        r = c.get("/v1/conversations", params={"since": "yesterday-ish"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "since"


def test_pagination_is_stable_while_rows_arrive(world: World) -> None:
    for i in range(7):
        chat(world, f"message number {i}")
    with world.sup() as c:
        first = c.get("/v1/conversations", params={"limit": 3}).json()
        seen = [i["id"] for i in first["items"]]
        cursor = first["next_cursor"]
        chat(world, "arrives while paging")  # newer rows must not shift the pages
        while cursor:
            page = c.get("/v1/conversations", params={"limit": 3, "cursor": cursor}).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
        assert len(seen) == 7 and len(set(seen)) == 7
        assert seen == sorted(seen, reverse=True)
        r = c.get("/v1/conversations", params={"cursor": "garbage!"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "cursor"


def test_search_finds_conversations_with_snippets(world: World) -> None:
    hit = chat(world, "my umbrella arrived broken", reply="sorry about the umbrella")
    chat(world, "question about sizes")
    with world.sup() as c:
        items = c.get("/v1/conversations", params={"q": "umbrella"}).json()["items"]
        assert [i["id"] for i in items] == [hit["conversation_id"]]
        assert "«umbrella»" in items[0]["snippet"]
        assert c.get("/v1/conversations", params={"q": "umbrel*"}).json()["items"]
        # a short message is its own snippet, on both engines (SQLite's
        # snippet() and PostgreSQL's ts_headline cut long ones differently)
        snippets = [
            i["snippet"] for i in c.get("/v1/conversations", params={"q": "broken"}).json()["items"]
        ]
        assert snippets == ["my umbrella arrived «broken»"], world.engine
        # FTS syntax typed by a user is taken as words, never an error
        for q in ['"', "AND OR NOT", "body:x", "(*", "NEAR(a b)", "'; DROP TABLE messages"]:
            r = c.get("/v1/conversations", params={"q": q})
            assert r.status_code == 200, (q, r.text)


def test_search_pages_show_each_conversation_once(world: World) -> None:
    expected = set()
    for i in range(6):
        r = chat(world, f"parcel question {i}", reply="parcel answer")
        expected.add(r["conversation_id"])
    with world.sup() as c:
        got = [i["id"] for i in all_pages(c, "/v1/conversations", q="parcel", limit=2)]
        assert sorted(got) == sorted(expected)


def test_profiles_contacts_and_visitors(world: World) -> None:
    s = chat(world, "hi")
    vid = s["visitor_id"]
    with world.sup() as c:
        r = c.put(f"/v1/visitors/{vid}/profile", json={"email": "not-an-email"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "email"
        r = c.put(f"/v1/visitors/{vid}/profile", json={"phone": "call me maybe"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "phone"
        r = c.put(f"/v1/visitors/{vid}/profile", json={"name": {"first": "x"}})
        assert r.status_code == 422 and r.json()["error"]["field"] == "name"
        r = c.put(
            f"/v1/visitors/{vid}/profile",
            json={
                "name": "Mathieu",
                "email": "mathieu@example.com",
                "phone": "+33 6 12 34 56 78",
                "notes": "prefers mail",
            },
        )
        assert r.status_code == 200, r.text
        contacts = c.get("/v1/contacts").json()["items"]
        assert [x["name"] for x in contacts] == ["Mathieu"]
        assert c.get("/v1/contacts", params={"q": "prefers"}).json()["items"]
        assert c.get("/v1/contacts", params={"q": "nobody"}).json()["items"] == []
        visitors = c.get("/v1/visitors").json()["items"]
        assert visitors[0]["name"] == "Mathieu" and visitors[0]["online"] is True
        assert c.get("/v1/visitors", params={"has_profile": "true"}).json()["items"][0]["id"] == vid
        conv = c.get("/v1/conversations").json()["items"][0]
        assert conv["visitor"]["name"] == "Mathieu"
        assert c.delete(f"/v1/visitors/{vid}/profile").status_code == 204
        assert c.get("/v1/contacts").json()["items"] == []
        assert c.delete(f"/v1/visitors/{vid}/profile").status_code == 404
        assert c.get(f"/v1/visitors/{vid}").json()["profile"] is None
        assert c.get("/v1/visitors/999999").status_code == 404


def test_calls_log_and_summary(world: World) -> None:
    s = chat(world, "call me")
    with world.http(world.agent_token) as a:
        ids = []
        for final in ("answered", "missed", "rejected", "failed"):
            r = a.post(
                "/v1/calls",
                json={"visitor_id": s["visitor_id"], "conversation_id": s["conversation_id"]},
            )
            assert r.status_code == 201, r.text
            cid = r.json()["id"]
            ids.append(cid)
            reason = {"missed": "no_answer", "rejected": "rejected", "failed": "network_error"}.get(
                final
            )
            r = a.patch(f"/v1/calls/{cid}", json={"state": final, "end_reason": reason})
            assert r.status_code == 200, r.text
        r = a.patch(f"/v1/calls/{ids[0]}", json={"state": "ended", "end_reason": "agent_hangup"})
        assert r.json()["state"] == "ended" and r.json()["duration_s"] >= 0
        r = a.patch(f"/v1/calls/{ids[1]}", json={"state": "answered"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "state"
        r = a.patch(f"/v1/calls/{ids[0]}", json={"state": "ended", "end_reason": "zzz"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "end_reason"
        assert (
            a.post(
                "/v1/sms", json={"visitor_id": s["visitor_id"], "phone": "+336", "body": "hi"}
            ).status_code
            == 201
        )
        assert (
            a.post(
                "/v1/callbacks",
                json={
                    "visitor_id": s["visitor_id"],
                    "phone": "+336",
                    "scheduled_for": "2026-12-01T10:00:00+01:00",
                },
            ).status_code
            == 201
        )
    with world.sup() as c:
        page = c.get("/v1/calls").json()
        assert page["summary"]["total"] == 4
        assert page["summary"]["answered"] == 1 and page["summary"]["missed"] == 1
        assert page["summary"]["rejected"] == 1 and page["summary"]["failed"] == 1
        assert page["summary"]["ringing"] == 0
        states = sorted(i["state"] for i in page["items"])
        assert states == ["ended", "failed", "missed", "rejected"]
        item = next(i for i in page["items"] if i["state"] == "ended")
        assert item["caller"]["id"] == s["visitor_id"] and item["called"]["nickname"] == "Alice"
        assert item["conversation_id"] == s["conversation_id"]
        assert c.get("/v1/calls", params={"status": "missed"}).json()["summary"]["total"] == 1


def test_offline_messages_and_site_switch(world: World) -> None:
    v, _s = world.visitor()
    with v, world.sup() as c:
        r = v.post(
            "/v1/widget/offline-messages",
            json={"name": "Zoé", "email": "z@example.com", "body": "call me back"},
        )
        assert r.status_code == 201, r.text
        items = c.get("/v1/offline-messages").json()["items"]
        assert items[0]["name"] == "Zoé" and items[0]["body"] == "call me back"
        assert c.get("/v1/offline-messages", params={"q": "back"}).json()["items"]
        r = c.patch(f"/v1/sites/{world.site_id}", json={"offline_enabled": False})
        assert r.status_code == 200 and r.json()["offline_enabled"] is False
        r = v.post("/v1/widget/offline-messages", json={"body": "again"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "offline_disabled"
        assert len(c.get("/v1/offline-messages").json()["items"]) == 1
        sites = c.get("/v1/sites").json()["items"]
        assert {x["name"] for x in sites} == {"Shop", "Blog"}
        agents = c.get("/v1/agents").json()["items"]
        assert {x["name"] for x in agents} == {"Alice", "Bob"}
