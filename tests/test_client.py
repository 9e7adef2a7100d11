"""chatsup.client against the real server: every supervisor call returns the
domain models, errors map to their classes, and the live client resumes
across a server restart with no gap and no duplicate."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from chatsup.client import (
    Filters,
    Invalid,
    LiveClient,
    LiveStatus,
    NotFound,
    SupervisorClient,
    Unauthorized,
    Unreachable,
    WidgetClient,
)
from chatsup.domain.events import Event
from tests.harness import World, free_port


async def visitor_says(world: World, *bodies: str) -> dict:
    async with WidgetClient(world.url) as w:
        s = await w.start_session(world.site_key, user_agent="Mozilla/5.0 (X11; Linux x86_64)")
        out = {}
        for b in bodies:
            out = await w.send(b)
        return {**s, **out}


async def test_supervisor_calls(world: World, tmp_path: Path) -> None:
    sent = await visitor_says(world, "hello parcel")
    async with SupervisorClient(world.url, world.sup_token) as c:
        assert (await c.health()).status == "ok"
        page = await c.conversations(Filters(q="parcel"))
        assert page.items[0].id == sent["conversation_id"] and page.items[0].snippet
        detail = await c.conversation(sent["conversation_id"])
        assert detail.messages[0].body == "hello parcel"
        sites = await c.sites()
        assert {s.name for s in sites} == {"Shop", "Blog"}
        site = await c.set_offline_enabled(sites[0].id, False)
        assert site.offline_enabled is False
        assert {a.name for a in await c.agents()} == {"Alice", "Bob"}
        assert (await c.calls()).summary.total == 0
        visitors = await c.visitors(Filters(site_id=world.site_id))
        vid = visitors.items[0].id
        profile = await c.put_profile(vid, name="Mathieu", email="m@example.com")
        assert profile.name == "Mathieu"
        assert (await c.contacts()).items[0].name == "Mathieu"
        vd = await c.visitor(vid)
        assert vd.profile is not None and vd.sessions[0].os
        with pytest.raises(Invalid) as bad:
            await c.put_profile(vid, email="nope")
        assert "email" in bad.value.fields
        await c.delete_profile(vid)
        with pytest.raises(NotFound):
            await c.conversation(987654)
        events = await c.events(after=0, limit=1000)
        assert [e.id for e in events.items] == sorted(e.id for e in events.items)
        dest = tmp_path / "out.csv"
        seen: list[int] = []
        size = await c.export("conversations", "csv", Filters(), dest, progress=seen.append)
        assert dest.stat().st_size == size > 0 and seen
        mail = await c.mail_conversation(sent["conversation_id"])
        assert mail.status == "saved" and mail.path and Path(mail.path).exists()
        daily = await c.daily(Filters())
        assert daily["totals"]["chats"] == 1


async def test_bad_token_and_unreachable(world: World) -> None:
    async with SupervisorClient(world.url, "sup_wrong") as c:
        with pytest.raises(Unauthorized):
            await c.conversations()
    async with SupervisorClient(f"http://127.0.0.1:{free_port()}", "x") as c:
        with pytest.raises(Unreachable):
            await c.health()


def log_ids(world: World) -> list[int]:
    with sqlite3.connect(world.settings.store.path) as db:
        return [r[0] for r in db.execute("SELECT id FROM events ORDER BY id")]


async def test_live_client_resumes_across_restart(world: World) -> None:
    await visitor_says(world, "one")
    live = LiveClient(world.url, world.sup_token, min_backoff=0.05, max_backoff=0.2)
    got: list[int] = []
    states: list[str] = []

    async def consume() -> None:
        async for item in live.events():
            if isinstance(item, Event):
                got.append(item.id)
            elif isinstance(item, LiveStatus):
                states.append(item.state)

    task = asyncio.create_task(consume())
    try:
        for _ in range(100):
            if len(got) == len(log_ids(world)):
                break
            await asyncio.sleep(0.05)
        await asyncio.to_thread(world.server.stop)
        # written while the console is away: must arrive after reconnecting
        from chatsup.server.store import Store, sites

        store = Store.open(world.settings.store.path, tz=world.settings.tz)
        store.write_sync(sites.create_site, "Written offline", "x.example")
        store.write_sync(sites.set_site_offline, 3, False)
        store.close()
        await asyncio.to_thread(world.server.start)
        await visitor_says(world, "two")
        want = log_ids(world)
        for _ in range(200):
            if len(got) >= len(want):
                break
            await asyncio.sleep(0.05)
    finally:
        await live.close()
        await asyncio.wait_for(task, 5)
    assert got == want
    assert "reconnecting" in states and states.count("live") >= 2
