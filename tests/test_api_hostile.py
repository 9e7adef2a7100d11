"""Hostile input: a clear 4xx naming the field, never a 5xx, nothing lost."""

from __future__ import annotations

from tests.harness import World


def stored_bodies(world: World) -> list[str]:
    with world.sup() as c:
        convs = c.get("/v1/conversations").json()["items"]
        return [
            m["body"]
            for cv in convs
            for m in c.get(f"/v1/conversations/{cv['id']}").json()["messages"]
        ]


def test_bad_bodies_are_4xx_naming_the_field(world: World) -> None:
    v, _ = world.visitor()
    with v:
        assert v.post("/v1/widget/messages", json={"body": "kept"}).status_code == 201
        cases: list[tuple[object, str]] = [
            ({"body": {"an": "object"}}, "body"),
            ({"body": 12}, "body"),
            ({"body": "nul \x00 byte"}, "body"),
            ({"body": "x", "extra": 1}, "extra"),
            ({"body": "x", "media": {"name": "a"}}, "media.type"),
            ({}, "body"),
        ]
        for payload, field in cases:
            r = v.post("/v1/widget/messages", json=payload)
            assert r.status_code == 422, (payload, r.status_code, r.text)
            assert r.json()["error"]["field"] == field, (payload, r.text)
        r = v.post("/v1/widget/messages", json={"body": "x" * 10_001})
        assert r.status_code == 413 and r.json()["error"]["field"] == "body"
        for raw in (b"{not json", b'{"body": "\\ud800 lone"}', b"\xff\xfe", b"[]", b"null"):
            r = v.post(
                "/v1/widget/messages", content=raw, headers={"content-type": "application/json"}
            )
            assert 400 <= r.status_code < 500, (raw, r.status_code, r.text)
            assert "error" in r.json()
    assert stored_bodies(world) == ["kept"]


def test_bad_query_values_are_4xx(world: World) -> None:
    with world.sup() as c:
        for params in (
            {"limit": "0"},
            {"limit": "100000"},
            {"agent_id": "abc"},
            {"since": "2026-13-45"},
            {"q": "x\x00y"},
            {"since": "2026-02-01", "until": "2026-01-01"},
        ):
            r = c.get("/v1/conversations", params=params)
            assert r.status_code == 422, (params, r.text)
        assert c.get("/v1/conversations/abc").status_code == 422
        assert c.get("/v1/conversations/999").status_code == 404
        assert c.get("/v1/export/nothing").status_code == 404


def test_widget_rate_limit(world: World) -> None:
    world.server.stop()
    world.settings.server.rate_per_visitor = 20
    world.server.start()
    v, _ = world.visitor()
    with v:
        codes = [
            v.post("/v1/widget/pageviews", json={"url": "https://x"}).status_code for _ in range(30)
        ]
    assert codes[0] == 201 and 429 in codes
    assert codes.index(429) >= 5  # a burst is allowed before the limit
