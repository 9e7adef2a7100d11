"""Keys: remappable from [console.keys] by binding id; the help screen is
built from the live bindings, so it shows the remapped key."""

from __future__ import annotations

from textual.widgets import Static

from chatsup.config import ConsoleSettings
from chatsup.kit.help import HelpScreen
from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import until


async def test_remapped_key_works_and_help_shows_it(busy_world: World) -> None:
    keys = ConsoleSettings(keys={"tab-calls": "ctrl+k", "tail": "l"}).keys
    app = ChatsupApp(busy_world.url, busy_world.sup_token, keys=keys)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-body", Static).render())
        assert "Messages tab" in text and "Everywhere" in text
        assert "escape or ? closes" in text
        lines = {line.split(None, 1)[-1]: line.split()[0] for line in text.splitlines() if line}
        assert lines.get("Live tail") == "l", text  # remapped, as the footer has it
        assert lines.get("Calls") == "^k", text
        await pilot.press("escape")
        await pilot.press("ctrl+k")
        await until(pilot, lambda: app.query_one("TabbedContent").active == "calls")
