"""The advisor's top line: who, presence, socket state, server."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from chatsup.agent_console.lines import PRESENCE_STYLE
from chatsup.kit import render as r
from chatsup.kit.live_status import live_label


class StatusBar(Static):
    DEFAULT_CSS = "StatusBar { height: 1; background: $panel; }"

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        app: Any = self.app
        me = getattr(app, "me", None)
        t = Text(" chatsup agent ", style="bold reverse")
        t.append(" ")
        t.append_text(r.plain(me.name if me else "…", 20, style="bold"))
        label, style = PRESENCE_STYLE.get(getattr(app, "presence", ""), ("?", ""))
        t.append("  ")
        t.append(label, style=style)
        t.append("  ")
        t.append_text(live_label(getattr(app, "live_state", ""), offline="disconnected"))
        t.append("  ")
        t.append_text(r.plain(getattr(app, "url", ""), 40, style="dim"))
        self.update(t)
