"""Export what the current filters select: CSV or JSONL, to a path with a
sensible default, with progress and the written path at the end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Select, Static

from chatsup.client import Filters
from chatsup.client.errors import describe
from chatsup.tui.context import context_of


def default_path(kind: str, fmt: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Path.home() / f"chatsup-{kind}-{stamp}.{fmt}"


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", priority=True, id="export.cancel"),
        Binding("ctrl+s", "start", "Export", priority=True, id="export.start"),
    ]

    def __init__(self, kind: str, filters: Filters) -> None:
        super().__init__()
        self.kind = kind
        self.filters = filters
        self.written: Path | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(Text(f"Export {self.kind} (current filters)", style="bold"))
            yield Label("Format")
            yield Select(
                [("CSV (spreadsheet)", "csv"), ("JSONL", "jsonl")],
                value="csv",
                allow_blank=False,
                id="ex-format",
            )
            yield Label("Path")
            yield Input(str(default_path(self.kind, "csv")), id="ex-path")
            yield ProgressBar(total=None, show_eta=False, id="ex-progress")
            yield Static(Text("enter: export · escape: close", style="dim"), id="ex-status")

    def on_mount(self) -> None:
        self.query_one("#ex-path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#ex-path", Input)
        p = Path(box.value)
        if p.suffix in (".csv", ".jsonl"):
            box.value = str(p.with_suffix("." + str(event.value)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def action_start(self) -> None:
        if not self.running:
            self.run_export()

    @work(exclusive=True)
    async def run_export(self) -> None:
        self.running = True
        fmt = str(self.query_one("#ex-format", Select).value)
        dest = Path(self.query_one("#ex-path", Input).value).expanduser()
        bar = self.query_one("#ex-progress", ProgressBar)
        status = self.query_one("#ex-status", Static)
        status.update(Text(f"exporting to {dest}…"))

        def progress(n: int) -> None:
            bar.update(total=None, progress=n)
            status.update(Text(f"exporting to {dest}… {n / 1e6:.1f} MB"))

        try:
            size = await context_of(self).client.export(
                self.kind, fmt, self.filters, dest, progress
            )
        except Exception as e:
            status.update(Text(describe(e), style="red"))
            self.running = False
            return
        bar.update(total=max(size, 1), progress=max(size, 1))
        self.written = dest
        status.update(Text(f"written: {dest} ({size / 1e6:.2f} MB) · escape: close", style="green"))
        self.notify(f"Exported to {dest}")
        self.running = False

    def action_cancel(self) -> None:
        self.dismiss(self.written)
