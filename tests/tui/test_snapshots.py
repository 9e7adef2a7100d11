"""What the supervisor sees, as pictures: every tab, the session details, the
profile form and help, at 80×24 and 120×40 (pytest-textual-snapshot).

Deterministic: a store seeded with a fixed seed ending at a fixed instant,
the clock frozen there (time-machine, the server's thread included), the
server address shown as a fixed name, the cursor not blinking. Each SVG was
looked at (rendered to PNG) before it was accepted; update with
`pytest tests/tui/test_snapshots.py --snapshot-update` and look again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from textual.pilot import Pilot
from textual.widgets import Input

from chatsup.agent_console.app import AgentApp
from chatsup.cli import create_token
from chatsup.embedded import EmbeddedServer
from chatsup.kit.help import HelpScreen
from chatsup.kit.paged_table import PagedTable
from chatsup.server.seed import seed_demo
from chatsup.server.store import Store
from chatsup.tui.app import ChatsupApp, TopBar
from chatsup.tui.screens.details import DetailsScreen
from chatsup.tui.screens.profile_form import ProfileForm
from tests.harness import make_settings
from tests.tui.pilot import until

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=ZoneInfo("Europe/Paris"))  # a Wednesday
SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A server over three seeded days, a supervisor token and an advisor's."""
    tmp: Path = tmp_path_factory.mktemp("snap")
    settings = make_settings(tmp)
    with time_machine.travel(NOW, tick=False):
        store = Store.open(settings.store.path, tz=settings.tz)
        try:
            seed_demo(store, days=3, scale=0.2, seed=7, now=NOW.timestamp())
            token = create_token(store, "supervisor", "Boss", None)
            agent = create_token(store, "agent", "Hugo", 1)
        finally:
            store.close()
        server = EmbeddedServer(settings).start()
        try:
            yield server.url, token, agent
        finally:
            server.stop()


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


async def settle(pilot: Pilot[Any]) -> None:
    """Connected and the first list shown; the address drawn as a fixed name."""
    app: Any = pilot.app
    await until(
        pilot, lambda: app.messages.table.row_count > 0 and app.query_one(TopBar).state == "live"
    )
    bar = app.query_one(TopBar)
    bar.url = "http://chatsup.test"
    bar.redraw()


def tab_ready(key: str, name: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        await settle(pilot)
        await pilot.press(key)
        if name == "monitoring":
            await pilot.pause(1.0)  # the report and its chart
        else:
            table = app.tab(name).table
            await until(pilot, lambda: table.row_count > 0 and not table.fetching)
            await until(pilot, lambda: isinstance(app.focused, PagedTable))
            status = app.tab(name).query_one(".status")
            await until(pilot, lambda: "shown" in str(status.render()))
        await pilot.pause(0.5)

    return run_before


TABS = [
    ("1", "messages"),
    ("2", "offline"),
    ("3", "calls"),
    ("4", "visitors"),
    ("5", "contacts"),
    ("6", "monitoring"),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("key", "name"), TABS, ids=[n for _, n in TABS])
def test_tab(
    snap_compare: Any,
    seeded: tuple[str, str, str],
    frozen: None,
    key: str,
    name: str,
    size: tuple[int, int],
) -> None:
    app = ChatsupApp(*seeded[:2])
    assert snap_compare(app, terminal_size=size, run_before=tab_ready(key, name))


async def open_details(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, DetailsScreen))
    await until(pilot, lambda: str(app.screen.query_one("#d-profile").render()) != "")
    await pilot.pause(0.3)


async def open_profile(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, ProfileForm))
    await until(pilot, lambda: isinstance(app.focused, Input))
    app.focused.cursor_blink = False
    await pilot.pause(0.3)


async def open_help(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.pause(0.2)


async def drilled(pilot: Pilot[Any], escape: bool = False) -> None:
    """Monitoring → Agent statistics → `c` on advisor 1 (Camille): the
    Messages banner names her and the report's dates (after escape on the
    list, no advisor again; the dates stay)."""
    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("6", "a")
    view = app.tab("monitoring").view("astats")
    await until(pilot, lambda: view.data is not None and "1" in view.table.rows)
    view.table.move_cursor(row=view.table.get_row_index("1"))
    await pilot.press("c")
    table = app.messages.table
    await until(pilot, lambda: app.messages.filters.agent_id == 1)
    if escape:
        await until(pilot, lambda: app.focused is table)
        await pilot.press("escape")
        await until(pilot, lambda: app.messages.filters.agent_id is None)
    await until(pilot, lambda: table.row_count > 0 and not table.fetching)
    await pilot.pause(0.5)


async def drilled_then_escape(pilot: Pilot[Any]) -> None:
    await drilled(pilot, escape=True)


EXISTING = Path("/tmp/chatsup-snapshots/messages.csv")  # a fixed name: it is drawn


async def export_overwrite(pilot: Pilot[Any]) -> None:
    """`e`, a path that exists, enter: the question before replacing it."""
    from chatsup.kit.confirm import ConfirmScreen
    from chatsup.tui.screens.export import ExportScreen

    app: Any = pilot.app
    EXISTING.parent.mkdir(parents=True, exist_ok=True)
    EXISTING.write_text("kept\n")
    await settle(pilot)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, ExportScreen))
    box = app.screen.query_one("#ex-path", Input)
    box.value = str(EXISTING)
    box.cursor_blink = False
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.pause(0.3)
    assert EXISTING.read_text() == "kept\n"  # nothing written before the answer


async def open_transcript(pilot: Pilot[Any]) -> None:
    """`v` on the newest chat: its transcript, the live actions in the footer."""
    from chatsup.tui.screens.transcript import TranscriptScreen

    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, TranscriptScreen))
    await until(pilot, lambda: "loading" not in str(app.screen.query_one("#tr-body").render()))
    await pilot.pause(0.3)


async def open_presence(pilot: Pilot[Any]) -> None:
    """Monitoring → Presence: totals per advisor and the timeline bars."""
    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("6", "p")
    view = app.tab("monitoring").view("presence")
    await until(pilot, lambda: view.data is not None and view.table.row_count > 0)
    await pilot.pause(0.5)


async def open_picker(pilot: Pilot[Any]) -> None:
    """`A` on Messages: the advisors with their presence, two of them picked."""
    from chatsup.kit.multi_picker import MultiPicker

    app: Any = pilot.app
    await settle(pilot)
    await pilot.press("A")
    await until(pilot, lambda: isinstance(app.screen, MultiPicker))
    await pilot.press("space", "down", "down", "space", "up")
    await pilot.pause(0.3)


async def multi_banner(pilot: Pilot[Any]) -> None:
    """Three advisors and two statuses picked: the banner says so in the
    width it has ("Advisors: Camille, … +1"), the list shows their union."""
    from chatsup.kit.multi_picker import MultiPicker

    app: Any = pilot.app
    await settle(pilot)
    for key, presses in (
        ("A", ("space", "down", "space", "down", "space")),
        ("U", ("down", "down", "space", "down", "space")),
    ):
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, MultiPicker))
        await pilot.press(*presses, "enter")
        await until(pilot, lambda: not isinstance(app.screen, MultiPicker))
    table = app.messages.table
    await until(
        pilot,
        lambda: (
            len(app.messages.filters.agent_ids) == 3
            and len(app.messages.filters.statuses) == 2
            and table.row_count > 0
            and not table.fetching
        ),
    )
    await pilot.pause(0.5)


SCREENS = {
    "picker": open_picker,
    "multi_banner": multi_banner,
    "transcript": open_transcript,
    "presence": open_presence,
    "details": open_details,
    "profile": open_profile,
    "help": open_help,
    "drilled": drilled,
    "drilled-escape": drilled_then_escape,
    "export_overwrite": export_overwrite,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: Any,
    seeded: tuple[str, str, str],
    frozen: None,
    screen: str,
    size: tuple[int, int],
) -> None:
    app = ChatsupApp(*seeded[:2])
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


async def desk_ready(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await until(pilot, lambda: app.live_state == "live" and app.me is not None)
    await pilot.pause(0.5)  # the desk reloaded (the seeded chats are all ended: empty)
    app.url = "http://chatsup.test"
    app.redraw_status()
    await pilot.pause(0.5)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_agent_desk(
    snap_compare: Any, seeded: tuple[str, str, str], frozen: None, size: tuple[int, int]
) -> None:
    """The advisor's console (its own app, the same kit)."""
    app = AgentApp(seeded[0], seeded[2])
    assert snap_compare(app, terminal_size=size, run_before=desk_ready)
