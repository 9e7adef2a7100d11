"""The import budget of a start (issue 14, P7): what a fresh `chatsup --help`
loads, and what the supervisor console has loaded when its first rows are
painted. Everything else (the other tabs, Monitoring and its charts, the
screens behind a key, forms, the agent console, the server) loads when first
used. Each check runs in a fresh interpreter: `python -X importtime` shows
where the time goes when this fails."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

from tests.harness import World

# Loaded by no start of the console: charts, forms' validators, the server.
NEVER_AT_START = [
    "plotext",
    "textual_plotext",
    "phonenumbers",
    "email_validator",
    "fastapi",
    "uvicorn",
    "sqlite3",
    "chatsup.server",
    "chatsup.domain.events",  # the event models: with the first live event
    "chatsup.agent_console",
    "chatsup.kit.chart",
    "chatsup.kit.help",
    "chatsup.tui.screens.monitoring",
    "chatsup.tui.screens.reports",
    "chatsup.tui.screens.offline",
    "chatsup.tui.screens.calls",
    "chatsup.tui.screens.visitors",
    "chatsup.tui.screens.contacts",
    "chatsup.tui.screens.details",
    "chatsup.tui.screens.tail",
    "chatsup.tui.screens.profile_form",
    "chatsup.tui.screens.export",
    "chatsup.tui.signin",
    "chatsup.tui.web",
    "textual_serve",
]
# Not before the first rows are painted: the live stream (websockets, orjson)
# opens after them; httpx's own command line (click, pygments, rich.syntax)
# never loads (chatsup.client._httpx); the agent and widget clients; httpx's
# async stack (httpcore, h11, anyio): the requests go over http.client
# (chatsup.client.transport); pydantic: the console decodes the wire models,
# plain dataclasses, with msgspec (chatsup.client.base), and the event models
# load with the live stream.
NOT_BEFORE_FIRST_ROWS = [
    *NEVER_AT_START,
    "websockets",
    "orjson",
    "pydantic",
    "pydantic_core",
    "chatsup.domain.events",
    "chatsup.client.live",
    "chatsup.client.roles",
    "click",
    "pygments",
    "rich.syntax",
    "rich.progress",
    "httpcore",
    "h11",
    "anyio",
    "sniffio",
    "certifi",
]
# What `chatsup --help` may load beyond the standard library: the parser only.
HELP_BUDGET = 120  # modules in sys.modules; today 80 (a bare `python -c pass` ~30)
FIRST_FRAME_BUDGET = 510  # today 502: Textual, httpx, msgspec, the Messages tab


def loaded(code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def offenders(modules: list[str], banned: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


def test_help_loads_only_the_parser() -> None:
    modules = loaded(
        """
        import contextlib, io, json, sys
        from chatsup.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main(["--help"])
            except SystemExit:
                pass
        print(json.dumps(sorted(sys.modules)))
        """
    )
    banned = [*NEVER_AT_START, "textual", "rich", "pydantic", "pydantic_settings", "httpx"]
    banned += ["websockets", "chatsup.tui", "chatsup.client", "chatsup.config", "chatsup.domain"]
    assert offenders(modules, banned) == []
    assert len(modules) <= HELP_BUDGET, len(modules)


def test_first_frame_loads_only_the_messages_tab(busy_world: World) -> None:
    """sys.modules when the live stream starts, which is right after the
    frame with the first rows (ChatsupApp.connect)."""
    out = loaded(
        f"""
        import json, sys
        from chatsup.tui.app import ChatsupApp

        class First(ChatsupApp):
            def run_live(self, after):
                rows = self.messages.table.row_count
                self.seen = {{"rows": rows, "modules": sorted(sys.modules)}}
                self.exit(0)

        app = First({busy_world.url!r}, {busy_world.sup_token!r})
        app.run(headless=True, size=(100, 30))
        print(json.dumps(app.seen))
        """
    )
    rows, modules = out["rows"], out["modules"]
    assert rows == 3  # the first rows were in the table before the live stream started
    assert "chatsup.tui.screens.messages" in modules
    assert offenders(modules, NOT_BEFORE_FIRST_ROWS) == []
    assert len(modules) <= FIRST_FRAME_BUDGET, len(modules)


def test_other_tabs_load_when_first_shown(busy_world: World) -> None:
    """The lazy tabs still come: pressing 6 imports and builds Monitoring."""
    modules = loaded(
        f"""
        import json, sys
        from chatsup.tui.app import ChatsupApp

        class Six(ChatsupApp):
            def on_mount(self):
                self.set_interval(0.01, self.check)

            async def check(self):
                if self.messages.table.row_count and not self.built("monitoring"):
                    await self.action_show_tab("monitoring")
                    self.call_after_refresh(self.exit, 0)

        Six({busy_world.url!r}, {busy_world.sup_token!r}).run(headless=True, size=(100, 30))
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert {"chatsup.tui.screens.monitoring", "chatsup.kit.chart", "plotext"} <= set(modules)
