"""Hostile visitor text must change nothing on the supervisor's terminal.

The pilot's headless driver writes nothing, so this test swaps in a driver
that is headless for input but records every byte the app would write to
the terminal; then it checks that no escape sequence a visitor typed (ESC,
C1, BEL) is in that output, and that the app still runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import PAYLOADS, foreign_controls, until


async def test_hostile_text_does_not_reach_the_terminal(
    world: World, recording: list[str], tmp_path: Path
) -> None:
    for p in PAYLOADS:
        v, s = world.visitor()
        with v:
            v.post("/v1/widget/messages", json={"body": p})
        with world.sup() as c:
            c.put(f"/v1/visitors/{s['visitor_id']}/profile", json={"notes": p})
    app = ChatsupApp(world.url, world.sup_token)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == len(PAYLOADS))
        # live: a hostile message arriving while the console is open
        v, _ = world.visitor()
        with v:
            await asyncio.to_thread(
                v.post, "/v1/widget/messages", json={"body": "\x1b]0;LIVE-PWNED\x07 hi"}
            )
        await until(pilot, lambda: table.row_count == len(PAYLOADS) + 1)
        await pilot.pause(0.3)
        # the details, transcript and tail screens draw the same text
        await pilot.press("enter")
        await pilot.pause(0.5)
        await pilot.press("escape", "v")
        await pilot.pause(0.5)
        await pilot.press("escape", "t")
        await pilot.pause(0.2)
        v, _ = world.visitor()
        with v:
            await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "\x9b2J tail"})
        await pilot.pause(0.5)
        await pilot.press("escape", "5")
        await pilot.pause(0.5)
        assert app.is_running
    out = "".join(recording)
    assert out, "the recording driver saw no output"
    assert "PWNED" in out  # the text is shown...
    assert "\u241b]0;PWNED\u2407" in out  # ...with its controls made visible
    assert "line<U+2028>sep<U+2029>para" in out  # separators shown, not acted on
    assert foreign_controls(out) == []
