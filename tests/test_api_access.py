"""The auth matrix: each role against each endpoint, and visitors' walls."""

from __future__ import annotations

import pytest

from tests.harness import World

SUPERVISOR_GETS = [
    "/v1/conversations",
    "/v1/conversations/1",
    "/v1/offline-messages",
    "/v1/sites",
    "/v1/agents",
    "/v1/calls",
    "/v1/visitors",
    "/v1/visitors/1",
    "/v1/contacts",
    "/v1/events",
    "/v1/export/conversations?format=csv",
]


@pytest.fixture
def tokens(world: World) -> dict[str, str | None]:
    v, s = world.visitor()
    with v:
        assert v.post("/v1/widget/messages", json={"body": "hi"}).status_code == 201
    return {
        "none": None,
        "bogus": "sup_" + "x" * 32,
        "visitor": s["token"],
        "agent": world.agent_token,
        "supervisor": world.sup_token,
    }


def test_supervisor_endpoints(world: World, tokens: dict[str, str | None]) -> None:
    expect = {"none": 401, "bogus": 401, "visitor": 403, "agent": 403, "supervisor": 200}
    for role, token in tokens.items():
        with world.http(token) as c:
            for path in SUPERVISOR_GETS:
                r = c.get(path)
                assert r.status_code == expect[role], (role, path, r.status_code, r.text)
                if r.status_code >= 400:
                    assert r.json()["error"]["code"] in ("unauthorized", "forbidden")
            writes = [
                c.put("/v1/visitors/1/profile", json={"name": "X"}),
                c.delete("/v1/visitors/2/profile"),
                c.patch("/v1/sites/1", json={"offline_enabled": True}),
                c.post("/v1/conversations/1/mail", json={}),
            ]
            for r in writes:
                if role == "supervisor":
                    assert r.status_code < 500 and r.status_code not in (401, 403), r.text
                else:
                    assert r.status_code == expect[role], (role, r.request.url, r.text)


def test_agent_endpoints(world: World, tokens: dict[str, str | None]) -> None:
    expect = {"none": 401, "bogus": 401, "visitor": 403, "supervisor": 403}
    for role, token in tokens.items():
        with world.http(token) as c:
            rs = [
                c.post("/v1/agent/presence", json={"status": "away"}),
                c.post("/v1/agent/conversations/1/messages", json={"body": "x"}),
                c.post("/v1/calls", json={"visitor_id": 1}),
                c.patch("/v1/calls/1", json={"state": "missed"}),
                c.post("/v1/sms", json={"visitor_id": 1, "phone": "+331", "body": "x"}),
                c.post("/v1/callbacks", json={"visitor_id": 1, "phone": "+331"}),
            ]
            for r in rs:
                if role == "agent":
                    assert r.status_code in (200, 201, 204), (r.request.url, r.text)
                else:
                    assert r.status_code == expect[role], (role, r.request.url, r.text)


def test_widget_endpoints_need_a_visitor(world: World, tokens: dict[str, str | None]) -> None:
    expect = {"none": 401, "bogus": 401, "agent": 403, "supervisor": 403}
    for role, token in tokens.items():
        if role == "visitor":
            continue
        with world.http(token) as c:
            for path, body in (
                ("/v1/widget/messages", {"body": "x"}),
                ("/v1/widget/pageviews", {"url": "https://x"}),
                ("/v1/widget/offline-messages", {"body": "x"}),
            ):
                assert c.post(path, json=body).status_code == expect[role], (role, path)


def test_a_visitor_reaches_only_its_own_conversation(world: World) -> None:
    v1, _s1 = world.visitor()
    v2, s2 = world.visitor()
    with v1, v2:
        c1 = v1.post("/v1/widget/messages", json={"body": "mine"}).json()["conversation_id"]
        c2 = v2.post("/v1/widget/messages", json={"body": "theirs"}).json()["conversation_id"]
        assert c1 != c2
        # a visitor token opens nothing of the supervisor's
        assert v1.get(f"/v1/conversations/{c2}").status_code == 403
        assert v1.get(f"/v1/visitors/{s2['visitor_id']}").status_code == 403
    with world.sup() as c:
        d1 = c.get(f"/v1/conversations/{c1}").json()
        assert [m["body"] for m in d1["messages"]] == ["mine"]


def test_returning_visitor_is_recognised(world: World) -> None:
    import time

    store = world.server.app.state.store
    v, s = world.visitor()
    with v:
        first = v.post("/v1/widget/messages", json={"body": "first visit"}).json()
        assert first["started"] is True
    with world.http() as c:
        # another page of the same visit: the same session, the same chat
        again = c.post(
            "/v1/widget/sessions", json={"site_key": world.site_key, "visitor_token": s["token"]}
        ).json()
        assert again["visitor_id"] == s["visitor_id"] and again["token"] == s["token"]
        assert again["session_id"] == s["session_id"]
        # back an hour later: a new visit, and a new chat
        later = time.time() + 3600
        store.clock = lambda: later
        again = c.post(
            "/v1/widget/sessions", json={"site_key": world.site_key, "visitor_token": s["token"]}
        ).json()
        assert again["visitor_id"] == s["visitor_id"]
        assert again["session_id"] != s["session_id"]
        with world.http(s["token"]) as v2:
            second = v2.post("/v1/widget/messages", json={"body": "second visit"}).json()
        assert second["started"] is True
        assert second["conversation_id"] != first["conversation_id"]
        stranger = c.post(
            "/v1/widget/sessions", json={"site_key": world.site_key, "visitor_token": "vis_forged"}
        ).json()
        assert stranger["visitor_id"] != s["visitor_id"]
        r = c.post("/v1/widget/sessions", json={"site_key": "nope"})
        assert r.status_code == 404 and r.json()["error"]["field"] == "site_key"


def test_presence_is_reset_when_the_server_starts(world: World) -> None:
    with world.http(world.agent_token) as a:
        assert a.post("/v1/agent/presence", json={"status": "online"}).status_code == 204
    world.server.restart()  # as after a crash: no socket survives
    with world.sup() as c:
        assert {x["presence"] for x in c.get("/v1/agents").json()["items"]} == {"offline"}


def test_tokens_are_stored_only_as_digests(world: World) -> None:
    _, s = world.visitor()
    dump = world.dump()
    for token in (s["token"], world.agent_token, world.sup_token):
        assert token not in dump
        assert token.split("_", 1)[1] not in dump
