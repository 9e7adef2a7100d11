"""The console driven by Textual's pilot against a real server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from chatsup.tui.app import ChatsupApp
from tests.harness import World


async def until(pilot, cond: Callable[[], bool], timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def app_for(world: World) -> ChatsupApp:
    return ChatsupApp(world.url, world.sup_token)


async def test_messages_tab_lists_chats(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        assert app.tz.key == "Europe/Paris"  # the company's, from the server
        first = table.current
        assert first is not None and first.last_message.preview == "My umbrella is broken"


async def test_live_message_arrives(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("down")
        selected = table.current
        v, _ = busy_world.visitor()
        with v:
            await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "live hello"})
        await until(pilot, lambda: table.row_count == 4)
        assert table.current is selected  # the cursor stayed on the user's row
        top = table.items[next(iter(str(k.value) for k in table.rows))]
        assert any(i.last_message and i.last_message.preview == "live hello"
                   for i in table.items.values())
        del top
