"""The lists at 80 columns, driven by keys and read off the screen: every
filter in force is drawn in the banner (a drill-down's too), escape leaves
the search box and then clears one filter per press, columns are chosen by
the terminal's width, and keys that do nothing are not offered."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select

from chatsup.kit.help import HelpScreen
from chatsup.kit.paged_table import PagedTable
from tests.harness import World
from tests.tui.pilot import drawn_rows, screen_text, until
from tests.tui.test_console import app_for, ready
from tests.tui.test_monitoring import open_view


def banner_text(app: Any, banner: Any) -> str:
    strips = app.screen._compositor.render_strips()
    r = banner.region
    return "\n".join(strips[y].text[r.x : r.right] for y in range(r.y, r.bottom))


def footer_text(app: Any) -> str:
    return screen_text(app).splitlines()[-1]


async def test_report_drill_down_is_shown_and_escape_clears_it(busy_world: World) -> None:
    """Agent statistics → `c` on Alice: the Messages banner names Alice;
    escape on the list takes her off (the banner says Any advisor again)."""
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        astats = await open_view(pilot, app, "a", "astats")
        astats.table.move_cursor(row=astats.table.get_row_index(str(busy_world.agent_id)))
        await pilot.press("c")
        messages = app.messages
        await until(pilot, lambda: messages.filters.agent_id == busy_world.agent_id)
        await until(pilot, lambda: not messages.table.fetching)
        await until(pilot, lambda: "Alice" in banner_text(app, messages.banner))
        assert "Any advisor" not in banner_text(app, messages.banner)
        shown = messages.table.row_count
        assert 0 < shown < 3 and all(
            c.agent is not None and c.agent.name == "Alice" for c in messages.table.items.values()
        )
        await pilot.press("escape")  # the list has the focus after a drill-down
        await until(pilot, lambda: messages.table.row_count == 3)
        assert messages.filters.agent_id is None
        assert "Any advisor" in banner_text(app, messages.banner)


async def test_contact_drill_down_survives_a_date_change_and_escape_clears_it(
    busy_world: World,
) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("5")
        contacts = app.tab("contacts")
        await until(pilot, lambda: contacts.table.row_count == 1)
        await pilot.press("v")
        visitors = app.tab("visitors")
        await until(pilot, lambda: visitors.table.row_count == 1 and not visitors.table.fetching)
        await until(pilot, lambda: "only Mathieu" in banner_text(app, visitors.banner))
        assert "escape on the list clears it" in banner_text(app, visitors.banner)
        visitors.banner.query_one("#fb-range", Select).value = "last 7 days"
        await until(pilot, lambda: visitors.filters.since is not None)
        await until(pilot, lambda: not visitors.table.fetching)
        assert visitors.table.row_count == 1  # the drill-down is still in force, and said
        assert "only Mathieu" in banner_text(app, visitors.banner)
        await pilot.press("escape")
        await until(pilot, lambda: visitors.table.row_count == 3)
        assert "only Mathieu" not in banner_text(app, visitors.banner)
        assert visitors.filters.since is not None  # the date range stays


async def test_escape_clears_one_filter_per_press_never_the_dates(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        m = app.messages
        banner = m.banner
        banner.query_one("#fb-range", Select).value = "last 7 days"
        banner.pick("agent_id", [busy_world.agent_id])
        banner.pick("status", ["answered"])
        await until(pilot, lambda: m.filters.status == "answered")
        await pilot.press("slash", *"parcel", "enter")
        await until(pilot, lambda: m.filters.q == "parcel")
        await pilot.press("escape")  # leaves the box, keeps the text
        await until(pilot, lambda: app.focused is m.table)
        assert m.filters.q == "parcel"
        assert "parcel" in banner_text(app, banner)

        def state() -> tuple[object, ...]:
            f = m.filters
            return (f.q, f.agent_id, f.status, f.since is not None)

        for want in (
            (None, busy_world.agent_id, "answered", True),
            (None, None, "answered", True),
            (None, None, None, True),
        ):
            await pilot.press("escape")
            await until(pilot, lambda w=want: state() == w)  # type: ignore[misc]  # one step
        await pilot.press("escape")  # nothing left but the dates: they stay
        await pilot.pause(0.3)
        assert state() == (None, None, None, True)
        await until(pilot, lambda: "Any status" in banner_text(app, banner))
        assert "Last 7 days" in banner_text(app, banner)


async def test_a_late_activation_leaves_the_search_box_its_keys(busy_world: World) -> None:
    """`/` as the console starts: a tab activation that arrives after it (the
    tab bar's, under load) kept pulling the focus back to the list, so the
    rest of the word went to the list and `enter` opened a chat's details
    (test_a_chat_label_in_the_messages_search_shows_that_chat, full suite)."""
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        m = app.messages
        await pilot.press("slash", "p", "a")
        m.activate()  # as a late TabActivated does
        await pilot.pause(0.1)
        await pilot.press("r", "c", "e", "l", "enter")
        await until(pilot, lambda: m.filters.q == "parcel")
        assert app.screen is app.screen_stack[0]  # no details opened
        await until(pilot, lambda: "parcel" in banner_text(app, m.banner))  # the word, whole


async def test_f_focuses_the_banner_and_escape_goes_back(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("f")
        assert app.focused is app.messages.banner.query_one("#fb-range", Select)
        await pilot.press("escape")
        assert app.focused is app.messages.table


async def test_columns_at_80_and_120(busy_world: World) -> None:
    """At 80 columns Messages shows time, advisor, visitor, whole status
    words and the last line; at 120 the site too. Calls shows its state
    and end reason in words; Visitors its country and online columns."""
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        table = app.messages.table
        rows = drawn_rows(table)
        assert rows[0] == ["Time", "Advisor", "Visitor", "Status", "Last line"]
        assert sorted(r[3] for r in rows[1:]) == ["answered", "answered", "unanswered"]
        assert "My umbrella is broken" in [r[4] for r in rows[1:]]
        await pilot.press("3")
        calls = app.tab("calls").table
        await until(pilot, lambda: calls.row_count == 1)
        await pilot.pause(0.1)
        rows = drawn_rows(calls)
        assert rows[0][-2:] == ["State", "End reason"]
        assert rows[1][-2:] == ["missed", "no answer"]
        await pilot.press("4")
        visitors = app.tab("visitors").table
        await until(pilot, lambda: visitors.row_count == 3)
        await pilot.pause(0.1)
        assert drawn_rows(visitors)[0][-2:] == ["Country", "Online"]
        await pilot.resize_terminal(120, 40)
        await pilot.press("1")
        await until(pilot, lambda: "Site" in drawn_rows(table)[0])
        assert drawn_rows(table)[0][:2] == ["Time", "Site"]
        assert table.row_count == 3  # rebuilt with the same rows


async def test_keys_that_do_nothing_are_not_offered(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(120, 24)) as pilot:
        await ready(pilot, app, 3)
        # the keys are drawn the frame after the first rows (issue 14, P7)
        await until(pilot, lambda: "Search" in footer_text(app))
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.focused, PagedTable))
        await pilot.pause(0.1)
        assert "Search" not in footer_text(app) and "Export" in footer_text(app)
        await open_view(pilot, app, "v", "vstats")
        await pilot.pause(0.1)
        assert "Export" not in footer_text(app)
        await open_view(pilot, app, "d", "daily")
        await pilot.pause(0.1)
        assert "Export" in footer_text(app)


async def test_home_and_end_in_a_report_table(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        await until(pilot, lambda: app.focused is daily.table)
        await pilot.press("end")
        assert daily.table.cursor_row == daily.table.row_count - 1
        await pilot.press("home")
        assert daily.table.cursor_row == 0


async def test_help_is_titled_and_scrolls_at_once(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "Help: keys" in text and "escape or ? closes" in text
        box = app.screen.query_one("#help-scroll")
        assert app.focused is box
        await pilot.press("pagedown")
        await until(pilot, lambda: box.scroll_y > 0)


async def test_palette_offers_the_tabs_actions(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Export", "Clear filters", "Details", "Mail", "Live tail", "Filters"):
            assert title in titles, titles
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.focused, PagedTable))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Search" not in titles and "Caller details" in titles
        app.messages.banner.pick("status", ["answered"])
        await pilot.press("1")
        cmd = next(c for c in app.get_system_commands(app.screen) if c.title == "Clear filters")
        await until(pilot, lambda: app.messages.filters.status == "answered")
        cmd.callback()
        await until(pilot, lambda: app.messages.filters.status is None)


async def test_monitoring_custom_dates_keep_the_focus_and_an_invalid_one_is_said(
    busy_world: World,
) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        mon = app.tab("monitoring")
        mon.banner.query_one("#fb-range", Select).value = "custom"
        box = mon.banner.query_one("#fb-from", Input)
        await until(pilot, lambda: box.display)
        box.focus()
        await pilot.press(*"2026-02-01")
        await until(pilot, lambda: str(daily.filters.since) == "2026-02-01")
        await pilot.pause(0.3)
        assert app.focused is box  # typing goes on
        await pilot.press("backspace", "backspace", "3", "0")  # 2026-02-30: no such day
        await until(pilot, lambda: "is not a date" in banner_text(app, mon.banner))
        assert str(daily.filters.since) == "2026-02-01"  # never silently another range
        assert "'2026-02-30'" in banner_text(app, mon.banner)


async def test_escape_on_a_report_clears_the_advisor(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        mon = app.tab("monitoring")
        mon.banner.pick("agent_id", [busy_world.agent2_id])
        await until(pilot, lambda: daily.filters.agent_id == busy_world.agent2_id)
        await until(pilot, lambda: "Bob" in banner_text(app, mon.banner))
        daily.table.focus()
        await pilot.press("escape")
        await until(pilot, lambda: daily.filters.agent_id is None)
        await until(pilot, lambda: "Any advisor" in banner_text(app, mon.banner))


async def test_a_chat_label_in_the_messages_search_shows_that_chat(busy_world: World) -> None:
    """`#N` typed in the Messages search shows chat N alone (not visitor N's
    chats, nor the chats whose words hold N); `V…` shows the visitor's."""
    w = busy_world
    with w.sup() as c:
        chats = c.get("/v1/conversations", params={"q": "parcel"}).json()["items"]
    target, number = chats[0]["id"], chats[0]["visitor"]["number"]
    v, _ = w.visitor()  # a fourth chat, whose words hold the target's id
    with v:
        v.post("/v1/widget/messages", json={"body": f"Order {target} please"})
    app = app_for(w)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 4)
        m = app.messages
        await pilot.press("slash", *f"#{target}", "enter")
        await until(pilot, lambda: m.filters.q == f"#{target}" and not m.table.fetching)
        await until(pilot, lambda: m.table.row_count == 1)
        await pilot.pause(0.3)
        rows = drawn_rows(m.table)[1:]
        assert len(rows) == 1 and f"V{number}" in rows[0], rows
        await pilot.press("escape", "escape")  # out of the box, then the search cleared
        await until(pilot, lambda: m.table.row_count == 4)
        await pilot.press("slash", *f"V{number}", "enter")
        await until(pilot, lambda: m.filters.q == f"V{number}" and not m.table.fetching)
        await until(pilot, lambda: m.table.row_count == 1)
        await pilot.pause(0.3)
        rows = drawn_rows(m.table)[1:]
        assert len(rows) == 1 and f"V{number}" in rows[0], rows
