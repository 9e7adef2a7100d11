"""Tab 6, Monitoring: its own issue (reports and statistics as charts)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static


class MonitoringTab(Vertical):
    loaded = True

    def compose(self) -> ComposeResult:
        yield Static(Text("Monitoring — daily and monthly reports, visitor, agent and "
                          "interaction statistics — comes with its own issue. The numbers are "
                          "already served at /v1/reports/* and /v1/stats/*.", style="dim"))

    def activate(self) -> None:
        pass
