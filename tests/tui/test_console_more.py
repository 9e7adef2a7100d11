"""More of the console from the keyboard against a real server: list filters,
keyset paging as the user scrolls, the tail's "N new", the failure screen
and its retry, help and palette, Calls' summary, reading an offline message,
and NO_COLOR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import RecordingDriver, screen_text, until
from tests.tui.test_console import app_for, ready


def api_count(world: World, path: str, **params: Any) -> int:
    n, cursor = 0, None
    with world.sup() as c:
        while True:
            q = {**params, **({"cursor": cursor} if cursor else {})}
            page = c.get(path, params=q).json()
            n += len(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return n


async def test_list_filters_advisor_site_and_date(busy_world: World) -> None:
    from textual.widgets import Select

    alice = api_count(busy_world, "/v1/conversations", agent_id=busy_world.agent_id)
    assert 2 <= alice <= 3  # answered by Alice (and the unanswered one if shown Alice)
    app = app_for(busy_world)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app, 3)
        banner = app.messages.banner
        table = app.messages.table
        banner.pick("agent_id", [busy_world.agent_id])
        await until(
            pilot,
            lambda: (
                app.messages.filters.agent_id == busy_world.agent_id and table.row_count == alice
            ),
        )
        banner.pick("agent_id", [])
        await until(pilot, lambda: app.messages.filters.agent_id is None and table.row_count == 3)
        banner.pick("site_id", [busy_world.site2_id])  # the Blog: no chat
        await until(
            pilot,
            lambda: (
                app.messages.filters.site_id == busy_world.site2_id
                and table.row_count == 0
                and not table.fetching
            ),
        )
        banner.pick("site_id", [])
        banner.query_one("#fb-range", Select).value = "yesterday"
        await until(
            pilot,
            lambda: (
                app.messages.filters.since is not None
                and table.row_count == 0
                and not table.fetching
            ),
        )
        banner.query_one("#fb-range", Select).value = "today"
        await until(pilot, lambda: table.row_count == 3)


async def test_paging_as_the_user_scrolls(tmp_path: Path) -> None:
    """150 chats, pages of two screens (30 lines: 60 rows): the next page
    loads when the cursor nears the end, rows are not repeated, and the
    list stops at the last one. On a terminal of 80 lines, one page of
    160 holds them all."""
    world = World(tmp_path, server={"sessions_per_ip": 1000, "rate_per_ip": 10_000})
    for i in range(150):
        v, _ = world.visitor()
        with v:
            assert v.post("/v1/widget/messages", json={"body": f"hello {i}"}).status_code == 201
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count >= 60 and not table.fetching)
        await pilot.pause(0.3)
        assert (table.row_count, table.cursor_row) == (60, 0)  # one page until asked
        assert table.next_cursor is not None
        for rows in (120, 150):
            await pilot.press("end")
            try:
                await until(pilot, lambda n=rows: table.row_count == n and not table.fetching)
            except AssertionError:
                raise AssertionError(
                    f"rows {table.row_count} cursor {table.cursor_row} "
                    f"fetching {table.fetching} next {table.next_cursor}"
                ) from None
        assert table.next_cursor is None
        assert len({str(k.value) for k in table.rows}) == 150
        await pilot.press("end")
        await pilot.pause(0.3)
        assert table.row_count == 150
    app = app_for(world)
    async with app.run_test(size=(100, 80)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 150 and not table.fetching)
        assert table.next_cursor is None and "150 shown" in screen_text(app)
    world.server.stop()


async def test_tail_keeps_its_place_and_counts_new_lines(busy_world: World) -> None:
    from textual.widgets import RichLog, Static

    from chatsup.tui.screens.tail import TailScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TailScreen))
        tail = app.screen
        log = tail.query_one(RichLog)
        visitors = [busy_world.visitor()[0] for _ in range(2)]  # 30 a burst each
        for n, v in enumerate(visitors):
            for i in range(20):
                assert (
                    v.post("/v1/widget/messages", json={"body": f"line {n}.{i}"}).status_code == 201
                )

        # the 40 lines all written (none pending), before scrolling up: a
        # count of lines alone is reached with the backlog's lines while the
        # last of these are still on their way (seen under load)
        def written() -> bool:
            text = "\n".join(line.text for line in log.lines)
            return all(f"line {n}.{i}" in text for n in range(2) for i in range(20))

        await until(
            pilot,
            lambda: written() and not tail.pending and log.max_scroll_y > 0,
            timeout=20,
        )
        await pilot.press("home")
        await until(pilot, lambda: log.scroll_y == 0)
        for i in range(3):
            visitors[0].post("/v1/widget/messages", json={"body": f"more {i}"})
        for v in visitors:
            v.close()
        new = tail.query_one("#tail-new", Static)
        await until(pilot, lambda: "3 new" in str(new.render()))
        assert log.scroll_y == 0  # kept its place
        await pilot.press("end")
        await until(
            pilot, lambda: log.scroll_y >= log.max_scroll_y - 1 and "new" not in str(new.render())
        )


async def test_bad_token_says_so(busy_world: World) -> None:
    from chatsup.kit.failure import FailureScreen

    app = ChatsupApp(busy_world.url, "sup_" + "x" * 32)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
        assert "refused this token" in app.screen.title_text
        await pilot.press("q")
    assert app.return_code is not None


async def test_unreachable_server_then_retry(busy_world: World) -> None:
    """The server is down when the console starts: it says so; once the
    server is back, `r` connects and the chats show."""
    from chatsup.kit.failure import FailureScreen

    busy_world.server.stop()
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
        assert "Cannot reach" in app.screen.title_text
        busy_world.server.start()  # the same port
        await pilot.press("r")
        await ready(pilot, app, 3)


async def test_help_palette_calls_summary_and_offline_reader(busy_world: World) -> None:
    from textual.command import CommandPalette
    from textual.widgets import Static

    from chatsup.kit.help import HelpScreen
    from chatsup.tui.screens.reader import ReaderScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one(Static).render())
        assert "Monitoring" in text and "Mail" in text  # built from the live bindings
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette))

        await pilot.press("3")
        summary = app.tab("calls").query_one("#call-summary", Static)
        await until(pilot, lambda: "missed" in str(summary.render()))
        assert re.search(r"calls\s+1\s+answered\s+0\s+missed\s+1", str(summary.render()))

        await pilot.press("2")
        table = app.tab("offline").table
        await until(pilot, lambda: table.row_count == 1 and app.focused is table)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReaderScreen))
        assert "call me" in " ".join(str(s.render()) for s in app.screen.query(Static))


@pytest.mark.usefixtures("recording")
async def test_no_color_draws_in_grey(busy_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.pause(0.3)
    assert app.no_color
    out = "".join(RecordingDriver.output)
    params = {p for sgr in re.findall(r"\x1b\[([0-9;]*)m", out) for p in sgr.split(";") if p}
    assert len(out) > 1000 and params  # it drew something, with attributes
    # black, white, grey (bright black), bright white, as fore- and background,
    # defaults, and bold/dim/italic/underline/reverse: nothing chromatic, no RGB
    achromatic = {
        "0",
        "1",
        "2",
        "3",
        "4",
        "7",
        "22",
        "23",
        "24",
        "27",
        "39",
        "49",
        "30",
        "37",
        "90",
        "97",
        "40",
        "47",
        "100",
        "107",
    }
    assert params <= achromatic, f"colour under NO_COLOR: {sorted(params - achromatic)}"
