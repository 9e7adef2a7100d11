"""Live rows as the supervisor sees them: the Messages list read from what is
drawn (not from the table's model) while events arrive."""

from __future__ import annotations

import asyncio

import pytest

from chatsup.kit import paged_table
from chatsup.tui.app import ChatsupApp
from chatsup.tui.screens.messages import MessagesTab
from tests.harness import World
from tests.tui.pilot import drawn_rows, until


def check_rows(rows: list[list[str]], expected: int) -> list[list[str]]:
    """No drawn cell empty or None, rows newest first; the rows in view."""
    header, body = rows[0], rows[1:]
    assert header[0] == "Time", header
    assert len(body) >= expected, body
    for row in body:
        # the last column is the last line: a chat may have none yet ("—")
        assert all(cell and cell != "None" for cell in row), row
        assert "None" not in " ".join(row), row
    times = [row[0] for row in body]  # HH:MM:SS, all today
    assert times == sorted(times, reverse=True), times
    return body


async def test_live_rows_render_and_stay_newest_first(
    busy_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two rows a page: the oldest of the three chats may wait on page 2, and a
    # live change to it must not put it on top
    monkeypatch.setattr(MessagesTab, "PAGE_SIZE", 2)
    monkeypatch.setattr(paged_table, "PREFETCH", 0)  # page 2 only when scrolled to
    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    with busy_world.sup() as s:
        oldest = s.get("/v1/conversations").json()["items"][-1]["id"]
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 2)
        await pilot.pause(0.2)
        check_rows(drawn_rows(table), 2)

        assert str(oldest) not in table.items
        # an advisor answers the oldest chat (not loaded): it must not jump on top
        with busy_world.http(busy_world.agent_token) as a:
            await asyncio.to_thread(
                a.post, f"/v1/agent/conversations/{oldest}/messages", json={"body": "late"}
            )
        # and new chats arrive: each goes on top, drawn highlighted, never None
        for i in range(3):
            v, _ = busy_world.visitor()
            with v:
                await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": f"live {i}"})
            # every frame while it arrives and is highlighted (2.5 s), not only the last
            for _ in range(200):
                await pilot.pause(0.02)
                body = check_rows(drawn_rows(table), 2 + i)
                if body[0][-1] == f"live {i}":
                    break
            else:
                raise AssertionError(f"live {i} never drawn on top: {body}")
        assert app.live_events >= 4
        lasts = [row[-1] for row in check_rows(drawn_rows(table), 5)]
        assert lasts[:3] == ["live 2", "live 1", "live 0"], lasts
