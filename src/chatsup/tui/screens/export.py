"""Export what the current filters select: CSV or JSONL, to a path with a
sensible default, with progress and the written path at the end. An
existing file is replaced only after asking; a path that cannot be written
is said in words. Messages (`conversations`) also offer one row per
conversation instead of one per message (`per=conversation`)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, ProgressBar, Static

from chatsup.client import Filters
from chatsup.client.errors import describe
from chatsup.kit.confirm import ConfirmScreen
from chatsup.kit.safe_select import Select
from chatsup.tui.context import context_of


def path_problem(dest: Path) -> str | None:
    """Why `dest` cannot be written, in words, or None."""
    if not str(dest).strip() or dest.name in ("", ".", ".."):
        return "Type the path of the file to write."
    if dest.is_dir():
        return f"{dest} is a folder: add a file name, like {dest / 'export.csv'}"
    parent = dest.parent
    if not parent.exists():
        return f"The folder {parent} does not exist."
    if not parent.is_dir():
        return f"{parent} is a file, not a folder."
    if not os.access(parent, os.W_OK):
        return f"You may not write in the folder {parent}."
    if dest.exists() and not os.access(dest, os.W_OK):
        return f"You may not replace {dest}."
    return None


async def may_write(screen: Screen[Any], dest: Path, what: str, status: Static) -> bool:
    """Whether to write `dest` (`what`: "this export", "the visitor's file"):
    a path that cannot be written is said in words on `status`; an existing
    file is replaced only if the user says so."""
    problem = path_problem(dest)
    if problem is not None:
        status.update(Text(problem, style="red"))
        return False
    if dest.exists():
        replace = await screen.app.push_screen_wait(
            ConfirmScreen(
                f"{dest.name} exists. Replace it?",
                f"{dest} will be overwritten with {what}.",
                danger=True,
            )
        )
        if not replace:
            status.update(Text("not replaced: change the path · escape: close", style="dim"))
            return False
    return True


def os_error_words(e: OSError, dest: Path) -> str:
    """An OSError during the export, without the temporary file's name."""
    what = e.strerror or type(e).__name__
    return f"Could not write {dest}: {what.lower()}."


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
            if self.kind == "conversations":
                yield Label("Rows")
                yield Select(
                    [("one per message", "message"), ("one per conversation", "conversation")],
                    value="message",
                    allow_blank=False,
                    id="ex-per",
                )
            yield Label("Path")
            yield Input(str(default_path(self.kind, "csv")), id="ex-path")
            yield ProgressBar(total=None, show_eta=False, id="ex-progress")
            yield Static(Text("enter: export · escape: close", style="dim"), id="ex-status")
        yield Footer()

    def on_mount(self) -> None:
        # shown once an export runs: an idle indeterminate bar only animates
        self.query_one("#ex-progress", ProgressBar).display = False
        self.query_one("#ex-path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "ex-format":
            return
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
        pers = self.query("#ex-per").results(Select)
        per = next((str(p.value) for p in pers if p.value == "conversation"), None)
        dest = Path(self.query_one("#ex-path", Input).value).expanduser()
        bar = self.query_one("#ex-progress", ProgressBar)
        status = self.query_one("#ex-status", Static)
        if not await may_write(self, dest, "this export", status):
            self.running = False
            self.query_one("#ex-path", Input).focus()
            return
        status.update(Text(f"exporting to {dest}…"))
        bar.display = True

        def progress(n: int) -> None:
            bar.update(total=None, progress=n)
            status.update(Text(f"exporting to {dest}… {n / 1e6:.1f} MB"))

        try:
            size = await context_of(self).client.export(
                self.kind, fmt, self.filters, dest, progress, per=per
            )
        except OSError as e:
            status.update(Text(os_error_words(e, dest), style="red"))
            self.running = False
            return
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
