"""The chat itself over the real server: widget, agent, supervisor views."""

from __future__ import annotations

from tests.harness import World


def test_health_and_docs(world: World) -> None:
    with world.http() as c:
        assert c.get("/v1/health").json()["status"] == "ok"
        spec = c.get("/openapi.json").json()
        assert "/v1/conversations" in spec["paths"]
        assert c.get("/docs").status_code == 200


def test_visitor_chat_reaches_supervisor(world: World) -> None:
    ua = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/120.0.0.0 Safari/537.36"
    )
    v, s = world.visitor(user_agent=ua, webrtc=True, referrer="https://search.example/")
    assert s["visitor_number"] >= 1 and s["token"].startswith("vis_")
    with v:
        assert (
            v.post("/v1/widget/pageviews", json={"url": "https://shop/a", "title": "A"}).status_code
            == 201
        )
        r = v.post("/v1/widget/messages", json={"body": "Where is my parcel?"})
        assert r.status_code == 201, r.text
        sent = r.json()
        assert set(sent) == {"conversation_id", "message_id", "event_id", "started"}
    with world.http(world.agent_token) as a:
        r = a.post(
            f"/v1/agent/conversations/{sent['conversation_id']}/messages",
            json={"body": "It left this morning."},
        )
        assert r.status_code == 201, r.text
    with world.sup() as c:
        page = c.get("/v1/conversations").json()
        item = page["items"][0]
        assert item["id"] == sent["conversation_id"]
        assert item["agent"]["name"] == "Alice"
        assert item["message_count"] == 2
        assert item["status"] == "answered"
        assert item["first_response_s"] >= 0
        detail = c.get(f"/v1/conversations/{item['id']}").json()
        assert [m["sender"] for m in detail["messages"]] == ["visitor", "agent"]
        vd = c.get(f"/v1/visitors/{s['visitor_id']}").json()
        sess = vd["sessions"][0]
        assert sess["os"].startswith("Windows") and sess["browser"].startswith("Chrome")
        assert sess["webrtc"] is True
        assert vd["page_views"][0]["url"] == "https://shop/a"
