"""A visitor's message event carries its conversation's list item built from
the values the write had in hand (store/messages.py `_visitor_send`, one
statement before the insert instead of a read of the item after it): it must
be the very item the read path gives (ITEM_SELECT), on both engines. A long
body with characters beyond the BMP checks that the preview is cut where the
SQL cuts it (conversations.PREVIEW_CHARS)."""

from __future__ import annotations

from typing import Any

from tests.harness import World


def _events(world: World, after: int) -> list[dict[str, Any]]:
    r = world.sup().get("/v1/events", params={"after": after, "limit": 5000})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _item(world: World, cid: int) -> dict[str, Any]:
    r = world.sup().get(f"/v1/conversations/{cid}")
    assert r.status_code == 200, r.text
    conv: dict[str, Any] = r.json()["conversation"]
    return conv


def test_message_event_item_is_the_read_item(world: World) -> None:
    v, s = world.visitor()
    vid = s["visitor_id"]
    sup = world.sup()
    assert sup.put(f"/v1/visitors/{vid}/profile", json={"name": "Zoé Ünïcode"}).is_success
    start = _events(world, 0)[-1]["id"]

    sent = v.post("/v1/widget/messages", json={"body": "bonjour", "client_id": "c1"})
    assert sent.status_code == 201, sent.text
    cid = sent.json()["conversation_id"]
    evs = _events(world, start)
    assert [e["type"] for e in evs] == ["conversation.started", "message.created"]
    read = _item(world, cid)
    assert evs[0]["data"] == read  # the started chat's item, its first message in
    assert evs[1]["data"]["conversation"] == read
    assert evs[1]["data"]["visitor"] == read["visitor"] and read["visitor"]["name"] == "Zoé Ünïcode"

    agent = world.http(world.agent_token)
    r = agent.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "hi"})
    assert r.status_code == 201, r.text

    long_body = ("é😀a" * 120)[:333]  # 333 characters, beyond the 200 of a preview
    mark = _events(world, 0)[-1]["id"]
    sent = v.post("/v1/widget/messages", json={"body": long_body, "client_id": "c2"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["conversation_id"] == cid
    (ev,) = _events(world, mark)
    read = _item(world, cid)
    assert ev["data"]["conversation"] == read  # an agent holds it, answered once
    assert read["agent"] is not None and read["message_count"] == 3
    assert read["first_response_s"] is not None
    assert len(read["last_message"]["preview"]) == 200
    assert ev["data"]["body"] == long_body

    # a retry answers the original, writes nothing
    again = v.post("/v1/widget/messages", json={"body": long_body, "client_id": "c2"})
    assert again.status_code in (200, 201), again.text
    assert again.json()["message_id"] == sent.json()["message_id"]
    assert again.json()["event_id"] == ev["id"]
    assert _events(world, mark) == [ev]


def test_the_event_item_names_the_advisor_presented(world: World) -> None:
    """Nobody holds the chat yet: the event's item names the advisor the
    chat box presented (rules.conversation_advisor), as the list does, for
    the message that opens the chat and for a later one."""
    with world.http(world.agent_token) as ag:
        assert ag.post("/v1/agent/presence", json={"status": "online"}).status_code == 204
    v, s = world.visitor()
    assert s["presented_agent"]["id"] == world.agent_id
    start = _events(world, 0)[-1]["id"]
    for body in ("hello?", "anyone?"):
        sent = v.post("/v1/widget/messages", json={"body": body})
        assert sent.status_code == 201, sent.text
    cid = sent.json()["conversation_id"]
    read = _item(world, cid)
    assert read["agent"] is None and read["advisor"] == {"id": world.agent_id, "name": "Alice"}
    created = [e for e in _events(world, start) if e["type"] == "message.created"]
    assert len(created) == 2
    assert created[-1]["data"]["conversation"] == read
    assert created[0]["data"]["conversation"]["advisor"] == read["advisor"]
