"""The client side of issue 15 against the real server: repeated filters
(`Filters.agent_ids`, `site_ids`, `statuses`), presence statistics, media
upload and download to a file, the per-conversation export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chatsup.client import (
    AgentClient,
    ApiError,
    Filters,
    Forbidden,
    Invalid,
    SupervisorClient,
    WidgetClient,
)
from tests.harness import World

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_filters_send_repeated_keys() -> None:
    f = Filters(agent_id=3, agent_ids=(1, 3), site_ids=(2,), statuses=("open", "ended"))
    assert f.to_params() == {"agent_id": ["3", "1"], "site_id": "2", "status": ["open", "ended"]}
    assert f.values("agent_id") == (3, 1) and f.values("site_id") == (2,)
    assert Filters(statuses=("",)).to_params() == {}
    assert not Filters(site_ids=(1,)).is_empty


async def _chat(world: World, site_key: str, body: str, token: str | None) -> dict:
    async with WidgetClient(world.url) as w:
        s = await w.start_session(site_key)
        out = await w.send(body)
    if token:
        async with AgentClient(world.url, token) as a:
            await a.reply(out["conversation_id"], "hello")
    return {**s, **out}


async def test_repeated_filters_presence_and_export(world: World, tmp_path: Path) -> None:
    async with AgentClient(world.url, world.agent_token) as a:
        await a.presence("away")
    one = await _chat(world, world.site_key, "shop", world.agent_token)
    two = await _chat(world, world.site2_key, "blog", world.agent2_token)
    three = await _chat(world, world.site2_key, "nobody", None)
    async with SupervisorClient(world.url, world.sup_token) as c:
        ids = lambda page: {i.id for i in page.items}  # noqa: E731
        both = await c.conversations(Filters(agent_ids=(world.agent_id, world.agent2_id)))
        assert ids(both) == {one["conversation_id"], two["conversation_id"]}
        sites = await c.conversations(Filters(site_ids=(world.site_id, world.site2_id)))
        assert len(sites.items) == 3
        st = await c.conversations(Filters(statuses=("unanswered", "answered")))
        assert len(st.items) == 3
        only = await c.conversations(Filters(statuses=("unanswered",), site_id=world.site2_id))
        assert ids(only) == {three["conversation_id"]}
        daily = await c.daily(Filters(site_ids=(world.site_id, world.site2_id)))
        assert daily["totals"]["chats"] == 3
        with pytest.raises(Invalid) as e:
            await c.daily(Filters(statuses=("open",)))
        assert e.value.field == "status"
        presence = await c.presence_stats(Filters(agent_ids=(world.agent_id,)))
        (row,) = presence["rows"]
        assert row["agent"]["id"] == world.agent_id and row["intervals"][-1]["status"] == "away"
        dest = tmp_path / "per-conversation.csv"
        size = await c.export("conversations", "csv", Filters(), dest, per="conversation")
        assert size == dest.stat().st_size
        with dest.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted(int(r["id"]) for r in rows) == sorted(
            x["conversation_id"] for x in (one, two, three)
        )
        assert {"end_reason", "avg_response_s", "messages"} <= set(rows[0])


async def test_media_upload_and_download(world: World, tmp_path: Path) -> None:
    async with WidgetClient(world.url) as w:
        await w.start_session(world.site_key)
        up = await w.upload_media("café.png", PNG, "image/png")
        assert up["type"] == "image/png" and up["size"] == len(PNG)
        sent = await w.send("", media_id=up["media_id"])
        with pytest.raises(ApiError) as e:
            await w.upload_media("x.bin", b"\x00\x01binary")
        assert e.value.status == 415
        mine = await w.download_media(up["media_id"], tmp_path / "mine.png")
        assert mine.path.read_bytes() == PNG
    async with SupervisorClient(world.url, world.sup_token) as c:
        detail = await c.conversation(sent["conversation_id"])
        media = detail.messages[0].media
        assert media is not None and media.id == up["media_id"]
        got = await c.download_media(media.url, tmp_path / "copy.png")
        assert got.path.read_bytes() == PNG
        assert got.type == "image/png" and got.size == len(PNG) and got.name == "café.png"
    async with AgentClient(world.url, world.agent2_token) as b:
        with pytest.raises(Forbidden):
            await b.download_media(up["media_id"], tmp_path / "nope.png")
        assert not (tmp_path / "nope.png").exists()
        assert not (tmp_path / "nope.png.part").exists()
