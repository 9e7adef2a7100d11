"""Every tab at 80×24 (a supervisor over SSH) with demo-like data, read off
the screen: each summary figure whole with its label, each table's headers
whole and its columns within the width (or a horizontal scrollbar where a
table is legitimately wider), a long e-mail ellipsised in Contacts and whole
in the visitor's details."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from textual.pilot import Pilot
from textual.widgets import DataTable

from chatsup.cli import create_token
from chatsup.embedded import EmbeddedServer
from chatsup.kit.paged_table import PagedTable
from chatsup.kit.render import seconds
from chatsup.server.seed import seed_demo
from chatsup.server.store import Store
from chatsup.tui.app import ChatsupApp
from chatsup.tui.screens.details import DetailsScreen
from tests.harness import make_settings
from tests.tui.pilot import until

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=ZoneInfo("Europe/Paris"))
LONG_EMAIL = "alexandra.montgomery-fitzgerald@service.example.com"  # 51 characters
DUMP = os.environ.get("CHATSUP_DUMP_SCREENS")  # a folder: each screen as text, to look at


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two weeks of the demo's traffic (figures in the thousands), one
    contact with a long e-mail; a supervisor token."""
    tmp: Path = tmp_path_factory.mktemp("fit80")
    settings = make_settings(tmp)
    with time_machine.travel(NOW, tick=False):
        store = Store.open(settings.store.path, tz=settings.tz)
        try:
            seed_demo(store, days=14, scale=1.5, seed=3, now=NOW.timestamp())
            token = create_token(store, "supervisor", "Boss", None)
        finally:
            store.close()
    server = EmbeddedServer(settings).start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
            newest = c.get("/v1/visitors", params={"limit": 1}).json()["items"][0]
            res = c.put(
                f"/v1/visitors/{newest['id']}/profile",
                json={"name": "Alexandra Montgomery-Fitzgerald", "email": LONG_EMAIL},
            )
            assert res.status_code == 200, res.text
        yield server.url, token
    finally:
        server.stop()


def lines(app: Any) -> list[str]:
    """The screen as drawn (the composited frame that reaches the terminal)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def dump(app: Any, name: str) -> None:
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        (Path(DUMP) / f"{name}.txt").write_text("\n".join(lines(app)) + "\n")


def assert_whole(app: Any, parts: list[str], where: str) -> None:
    """Each part (a label and its figure) on one line of the screen."""
    screen = lines(app)
    for part in parts:
        assert any(part in line for line in screen), (where, part, "\n".join(screen))


def assert_keys(app: Any, where: str) -> None:
    """The footer (the last line) shows the tab's own keys, Help and Quit."""
    footer = lines(app)[-1]
    for key in [*OWN_KEYS[where], "? Help", "q Quit"]:
        assert key in footer, (where, key, footer)


def assert_fits(table: DataTable[Any], where: str, screen: list[str]) -> None:
    """Every column within the table's width, and each header drawn whole."""
    room = table.scrollable_content_region.width
    assert table.virtual_size.width <= room, (where, table.virtual_size.width, room)
    header = screen[table.region.y]
    for column in table.ordered_columns:
        label = column.label.plain.strip()
        assert label in header, (where, label, header)


LIST_TABS = [("1", "messages"), ("2", "offline"), ("3", "calls"), ("4", "visitors")]
# Each tab's own keys, which the footer keeps at 80 columns with Help and Quit
# (kit/keys_footer.py drops the keys every list has first)
OWN_KEYS = {
    "messages": ["m Mail", "t Live tail"],
    "offline": ["o Offline on/off"],
    "calls": [],
    "visitors": ["+ Profile"],
    "contacts": ["v Visitor", "c Chats", "p Edit", "d Delete"],
    "daily": ["c Chats"],
    "monthly": ["c Chats"],
    "vstats": ["c Chats", "b By site/browser/OS/country"],
    "astats": ["c Chats"],
    "interactions": ["c Chats", "b By day/hour"],
    "heatmap": ["c Chats"],
    "presence": ["c Chats"],
}
REPORTS = ["d", "m", "v", "a", "i", "w", "p"]


def report_parts(vid: str, data: dict[str, Any]) -> list[str]:
    """What each report's summary must show whole, from the report itself."""
    t = data.get("totals") or {}
    rows = data.get("rows") or []
    if vid in ("daily", "monthly"):
        last = "page views" if vid == "daily" else "reminders"
        key = "page_views" if vid == "daily" else "callbacks"
        return [
            f"{t['chats']:,} chats",
            f"{t['visitors']:,} distinct visitors",
            f"{t[key]:,} {last}",
        ]
    if vid == "vstats":
        return [
            f"{t['visits']:,} visits",
            f"{t['unique_visitors']:,} unique",
            f"{t['new_visitors']:,} new",
        ]
    if vid == "astats":
        return [
            f"{len(rows)} advisors",
            f"{sum(r['chats'] for r in rows):,} chats",
            f"{sum(r['unanswered'] for r in rows):,} unanswered",
        ]
    if vid == "interactions":
        return [
            f"{sum(r['chats'] for r in rows):,} chats",
            f"{sum(r['offline_messages'] for r in rows):,} offline messages",
            f"{sum(r['unanswered'] for r in rows):,} unanswered",
        ]
    if vid == "heatmap":
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        totals = [f"{day} {sum(r):,}" for day, r in zip(days, rows, strict=True)]
        return [f"{sum(sum(r) for r in rows):,} chats", *totals]
    online = sum(r["online_s"] for r in rows)
    return [f"{len(rows)} advisors", f"online {seconds(online).plain} in all"]


async def list_ready(pilot: Pilot[Any], name: str) -> PagedTable[Any]:
    app: Any = pilot.app
    table = app.tab(name).table
    await until(pilot, lambda: table.row_count > 0 and not table.fetching, 20)
    await pilot.pause(0.3)
    return table  # type: ignore[no-any-return]


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):  # the seeded days are the recent ones
        yield


async def test_every_tab_fits_80x24(demo_like: tuple[str, str], clock: None) -> None:
    url, token = demo_like
    app = ChatsupApp(url, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count > 0, 20)
        for key, name in LIST_TABS:
            await pilot.press(key)
            table = await list_ready(pilot, name)
            dump(app, name)
            assert_fits(table, name, lines(app))
            assert_keys(app, name)
            if name == "calls":
                with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
                    s = c.get("/v1/calls", params={"limit": 1}).json()["summary"]
                parts = [f"calls {s['total']:,}"]
                parts += [
                    f"{k} {s[k]:,}"
                    for k in ("answered", "missed", "rejected", "failed", "ringing")
                    if s[k] or k in ("answered", "missed")
                ]
                parts += [
                    f"total time {seconds(s['total_duration_s']).plain}",
                    f"mean {seconds(s['avg_duration_s']).plain}",
                ]
                assert s["total"] >= 100  # demo-like: figures of three digits and more
                assert_whole(app, parts, name)

        # Contacts: the long e-mail ends in "…" in its column, whole in the details
        await pilot.press("5")
        table = await list_ready(pilot, "contacts")
        dump(app, "contacts")
        assert_fits(table, "contacts", lines(app))
        assert_keys(app, "contacts")
        screen = lines(app)
        row = next(line for line in screen if "Alexandra" in line)
        assert LONG_EMAIL not in row and LONG_EMAIL[:20] in row and "…" in row, row
        table.move_cursor(row=0)
        await pilot.press("v")
        visitors = await list_ready(pilot, "visitors")
        await until(pilot, lambda: visitors.row_count == 1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailsScreen))
        await until(pilot, lambda: any(LONG_EMAIL in line for line in lines(app)))
        dump(app, "details-long-email")
        assert "p Profile" in lines(app)[-1]  # its keys whole in the footer
        await pilot.press("escape")

        # Monitoring: the sub-tabs' names whole, then each report
        await pilot.press("6")
        mon = app.tab("monitoring")
        await until(pilot, lambda: mon.view("daily").data is not None, 20)
        await pilot.pause(0.3)
        strip = "\n".join(lines(app)[:6])
        for label in ("Daily", "Monthly", "Visitors", "Agents", "Interactions", "Week×hour"):
            assert label in strip, (label, strip)
        for key in REPORTS:
            await pilot.press(key)
            view = mon.view()
            await until(pilot, lambda v=view: v.data is not None and v.fetches > 0, 20)
            await pilot.pause(0.5)
            vid = view.id or ""
            dump(app, f"monitoring-{vid}")
            assert view.data is not None
            assert_whole(app, report_parts(vid, view.data), vid)
            assert_keys(app, vid)
            for table in view.query(DataTable):
                assert_fits(table, vid, lines(app))
