"""The collector paused while the console starts (chatsup.tui.gc_pause, issue
14, P7): `chatsup` turns it off before importing the console, and the app
turns it back on once the first rows are painted, or when the start ends
otherwise (the failure screen). Each check runs in a fresh interpreter, as
the command does; a console started without the pause leaves it alone."""

from __future__ import annotations

from chatsup.embedded import free_port
from tests.harness import World
from tests.tui.test_import_hygiene import loaded

# Runs `First` (ChatsupApp) to the start of the live stream, right after the
# frame with the first rows, noting whether the collector ran at each step.
SCRIPT = """
import gc, json, sys
from chatsup.tui import gc_pause
if {pause}:
    gc_pause.pause()
from chatsup.tui.app import ChatsupApp

seen = {{"at_import": gc.isenabled()}}

class First(ChatsupApp):
    def on_mount(self):
        seen["at_mount"] = gc.isenabled()

    def run_live(self, after):
        seen["rows"] = self.messages.table.row_count
        seen["at_first_rows"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count() > 0
        self.exit(0)

    def fail(self, error):
        super().fail(error)
        seen["failed"] = True
        seen["at_failure"] = gc.isenabled()
        self.exit(0)

app = First({url!r}, {token!r})
app.run(headless=True, size=(100, 30))
seen["at_exit"] = gc.isenabled()
print(json.dumps(seen))
"""


def test_paused_from_the_start_until_the_first_rows(busy_world: World) -> None:
    seen = loaded(SCRIPT.format(pause=True, url=busy_world.url, token=busy_world.sup_token))
    assert seen["rows"] == 3
    assert seen["at_import"] is False and seen["at_mount"] is False  # paused while starting
    # back on before the live stream opens, what the start made set aside
    assert seen["at_first_rows"] is True and seen["frozen"] is True
    assert seen["at_exit"] is True


def test_back_on_when_the_start_fails() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: the failure screen
    seen = loaded(SCRIPT.format(pause=True, url=url, token="sup_x"))
    assert seen["failed"] is True and seen["at_mount"] is False
    assert seen["at_failure"] is True and seen["at_exit"] is True


def test_left_alone_without_the_pause(busy_world: World) -> None:
    seen = loaded(SCRIPT.format(pause=False, url=busy_world.url, token=busy_world.sup_token))
    assert seen["rows"] == 3
    assert all(seen[k] is True for k in ("at_import", "at_mount", "at_first_rows", "at_exit"))
    assert seen["frozen"] is False  # nothing frozen: resume() had nothing to undo
