"""The advisor's console as a supervisor whispers and transfers: the note
is drawn as a note, a chat transferred away leaves the desk and says where,
a chat transferred in arrives with a line saying so."""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from chatsup.agent_console.app import AgentApp
from chatsup.agent_console.screens.chat import ChatScreen
from tests.harness import World
from tests.tui.pilot import until
from tests.tui.test_agent_console import screen_text


async def test_notes_and_transfers_reach_the_advisor(world: World) -> None:
    v, _ = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hi"}).json()["conversation_id"]
    with world.http(world.agent_token) as alice:
        alice.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Alice here"})
    app = AgentApp(world.url, world.agent_token)
    bob_app = AgentApp(world.url, world.agent2_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live_state == "live" and cid in app.items)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
        )
        with world.sup() as sup:
            r = await asyncio.to_thread(
                sup.post, f"/v1/conversations/{cid}/notes", json={"body": "offer a refund"}
            )
            assert r.status_code == 201, r.text
        await until(
            pilot, lambda: "note from supervisor: offer a refund" in screen_text(app, "#chat-log")
        )
        async with bob_app.run_test(size=(80, 24)) as bob_pilot:
            await until(bob_pilot, lambda: bob_app.live_state == "live")
            assert cid not in bob_app.items
            with world.sup() as sup:
                r = await asyncio.to_thread(
                    sup.post, f"/v1/conversations/{cid}/assign", json={"agent_id": world.agent2_id}
                )
                assert r.status_code == 200, r.text
            # Alice: the chat leaves her desk and says where it went
            await until(pilot, lambda: cid not in app.items)
            assert "transferred to Bob by the supervisor" in screen_text(app, "#chat-note")
            assert app.screen.query_one("#chat-input", Input).disabled
            # Bob: it arrives, said so
            await until(bob_pilot, lambda: cid in bob_app.items)
            await until(
                bob_pilot,
                lambda: any(
                    "transferred to you by the supervisor" in n.message
                    for n in bob_app._notifications
                ),
            )
            await bob_pilot.press("enter")
            await until(
                bob_pilot,
                lambda: (
                    isinstance(bob_app.screen, ChatScreen)
                    and "offer a refund" in screen_text(bob_app, "#chat-log")
                ),
            )
            assert "note from supervisor" in screen_text(bob_app, "#chat-log")
