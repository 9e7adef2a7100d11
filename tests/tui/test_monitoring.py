"""Monitoring tab (6) driven with the pilot against a real server: each
sub-tab shows the server's figures, the toggles work, and every figure is a
way in (drill-downs to Visitors and Messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chatsup.kit.summary import Summary
from chatsup.tui.app import ChatsupApp
from chatsup.tui.screens import monitoring
from tests.harness import World
from tests.tui.pilot import until
from tests.tui.test_console import app_for, ready


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


def cells(view: Any, key: str, table: Any = None) -> list[str]:
    t = table or view.table
    return [str(c) for c in t.get_row(key)]


async def open_view(pilot: Any, app: ChatsupApp, key: str, vid: str) -> Any:
    await pilot.press("6")
    mon = app.tab("monitoring")
    await pilot.press(key)
    view = mon.view(vid)
    await until(
        pilot, lambda: mon.view().id == vid and view.data is not None and view.table.row_count > 0
    )
    return view


async def test_daily_shows_the_servers_figures_and_drills_down(busy_world: World) -> None:
    with busy_world.sup() as c:
        api = c.get("/v1/reports/daily").json()
        visitors_today = c.get("/v1/visitors", params={"since": today(), "until": today()}).json()[
            "items"
        ]
    row = next(r for r in api["rows"] if r["date"] == today())
    assert row["chats"] == 3  # what the fixture made: the test would see a 0 otherwise
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        assert cells(daily, today()) == [
            today(),
            *[str(row[f]) for f in ("page_views", "visitors", "chats", "calls", "sms")],
        ]
        assert cells(daily, "total")[3] == str(api["totals"]["chats"])
        assert len(daily.chart.labels) == len(api["rows"])
        # enter on today → the Visitors of that day
        daily.table.move_cursor(row=daily.table.get_row_index(today()))
        await pilot.press("enter")
        visitors = app.tab("visitors")
        await until(
            pilot,
            lambda: (
                app.query_one("TabbedContent").active == "visitors"
                and visitors.table.row_count == len(visitors_today)
            ),
        )
        assert visitors.filters.since is not None
        assert str(visitors.filters.since) == today()
        # c on today → its chats, in Messages
        await pilot.press("6")
        await until(pilot, lambda: app.focused is daily.table)
        await pilot.press("c")
        await until(
            pilot,
            lambda: (
                app.query_one("TabbedContent").active == "messages"
                and str(app.messages.filters.since) == today()
            ),
        )
        await until(pilot, lambda: app.messages.table.row_count == 3)


async def test_daily_exports_csv(busy_world: World, tmp_path) -> None:
    from chatsup.tui.screens.export import ExportScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await open_view(pilot, app, "d", "daily")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert app.screen.kind == "daily"
        dest = tmp_path / "daily.csv"
        app.screen.query_one("#ex-path").value = str(dest)
        await pilot.press("enter")
        await until(pilot, lambda: dest.exists())
    lines = dest.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("date,")
    assert any(line.startswith(today() + ",") for line in lines)


async def test_every_sub_tab_and_its_toggles(busy_world: World) -> None:
    with busy_world.sup() as c:
        agents = c.get("/v1/stats/agents").json()["rows"]
        monthly = c.get("/v1/reports/monthly").json()
        hourly = c.get("/v1/stats/interactions", params={"by": "hour"}).json()["rows"]
        heat = c.get("/v1/stats/heatmap").json()["rows"]
    alice = next(r for r in agents if r["agent"]["id"] == busy_world.agent_id)
    assert alice["answered"] == 2
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        month = await open_view(pilot, app, "m", "monthly")
        this_month = today()[:7]
        assert cells(month, this_month)[3] == str(
            next(r for r in monthly["rows"] if r["month"] == this_month)["chats"]
        )

        vstats = await open_view(pilot, app, "v", "vstats")
        assert cells(vstats, "total")[1] == "3"  # three visits today
        assert vstats.by_table.columns[next(iter(vstats.by_table.columns))].label.plain == "Site"
        await pilot.press("b")
        await until(
            pilot, lambda: next(iter(vstats.by_table.columns.values())).label.plain == "Browser"
        )

        astats = await open_view(pilot, app, "a", "astats")
        assert cells(astats, str(busy_world.agent_id))[:3] == ["Alice", str(alice["chats"]), "2"]

        inter = await open_view(pilot, app, "i", "interactions")
        assert inter.table.row_count == 30  # the last 30 days by default
        await pilot.press("b")
        await until(pilot, lambda: inter.table.row_count == 24)
        busiest = max(hourly, key=lambda r: r["chats"])
        assert cells(inter, str(busiest["bucket"]))[1] == str(busiest["chats"])
        await pilot.press("b")
        await until(pilot, lambda: inter.table.row_count == 30)

        heatmap = await open_view(pilot, app, "w", "heatmap")
        day = datetime.now(ZoneInfo("Europe/Paris")).weekday()
        hour = max(range(24), key=lambda h: heat[day][h])
        assert cells(heatmap, str(day))[1 + hour] == str(heat[day][hour])
        summary = str(heatmap.query_one(Summary).render())  # each day's total, whole
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        assert f"{days[day]} {sum(heat[day])}" in summary

        # [ and ] cycle through the sub-tabs
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: app.tab("monitoring").view().id == "presence")
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: app.tab("monitoring").view().id == "daily")
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: app.tab("monitoring").view().id == "presence")


async def test_agent_row_opens_the_visitors_it_was_presented_to(busy_world: World) -> None:
    with busy_world.sup() as c:
        presented = c.get("/v1/visitors", params={"agent_id": busy_world.agent_id}).json()
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        astats = await open_view(pilot, app, "a", "astats")
        astats.table.move_cursor(row=astats.table.get_row_index(str(busy_world.agent_id)))
        await pilot.press("enter")
        visitors = app.tab("visitors")
        await until(
            pilot,
            lambda: (
                app.query_one("TabbedContent").active == "visitors"
                and visitors.filters.agent_id == busy_world.agent_id
            ),
        )
        await until(pilot, lambda: visitors.table.row_count == len(presented["items"]))


async def test_filters_reach_the_report(busy_world: World) -> None:
    """The advisor chosen in Monitoring's banner filters the report."""

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        assert cells(daily, "total")[3] == "3"
        banner = app.tab("monitoring").banner
        banner.pick("agent_id", [busy_world.agent2_id])  # Bob: no chat
        await until(
            pilot,
            lambda: (
                daily.filters.agent_id == busy_world.agent2_id and cells(daily, "total")[3] == "0"
            ),
        )


async def test_live_events_tick_and_refresh(
    busy_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring, "REFRESH_S", 0.3)
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        fetched = daily.fetches
        v, _ = busy_world.visitor()
        with v:
            assert v.post("/v1/widget/messages", json={"body": "hello"}).status_code == 201
        live = app.tab("monitoring").query_one("#mon-live")
        await until(pilot, lambda: "+1 chats" in str(live.render()))
        await until(pilot, lambda: cells(daily, "total")[3] == "4")
        assert daily.fetches > fetched


async def test_chart_is_not_rebuilt_without_new_data(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        daily = await open_view(pilot, app, "d", "daily")
        await pilot.pause(0.2)
        builds, version = daily.chart.builds, daily.chart.version
        assert builds >= 1
        daily.reload()  # same data from the server
        await until(pilot, lambda: daily.fetches >= 2)
        for _ in range(3):
            daily.chart.refresh()
            await pilot.pause(0.05)
        assert (daily.chart.builds, daily.chart.version) == (builds, version)
        await pilot.resize_terminal(100, 30)  # a new size is a new drawing
        await until(pilot, lambda: daily.chart.builds > builds)


async def test_presence_totals_equal_the_servers_and_drill_to_chats(busy_world: World) -> None:
    import time

    from chatsup.kit.render import seconds

    w = busy_world
    with w.http(w.agent_token) as alice:
        assert alice.post("/v1/agent/presence", json={"status": "online"}).status_code < 300
        time.sleep(1.2)
        assert alice.post("/v1/agent/presence", json={"status": "away"}).status_code < 300
    app = app_for(w)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app, 3)
        view = await open_view(pilot, app, "p", "presence")
        with w.sup() as c:  # the same range as the view asked, after it asked
            rows = c.get("/v1/stats/presence").json()["rows"]
        alice = next(r for r in rows if r["agent"]["id"] == w.agent_id)
        assert alice["online_s"] >= 1
        view.reload()
        await until(pilot, lambda: view.fetches >= 2)
        shown = cells(view, str(w.agent_id))
        assert shown[0] == "Alice"
        # the two reads are a moment apart: only the growing offline/away may differ
        assert shown[1] == seconds(alice["online_s"]).plain
        assert shown[3] == seconds(alice["offline_s"]).plain  # fixed: before the first change
        frame = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "Online %" in frame and "█" in frame and "▒" in frame  # drawn: table and timeline
        view.table.move_cursor(row=view.table.get_row_index(str(w.agent_id)))
        await pilot.press("enter")
        messages = app.tab("messages")
        await until(
            pilot,
            lambda: (
                app.query_one("TabbedContent").active == "messages"
                and messages.filters.agent_id == w.agent_id
            ),
        )
