"""Save a visitor's shared file to disk (`GET /v1/media/{id}`), never drawn:
a path prefilled with a safe name in the home folder; an existing file is
replaced only after asking; a path that cannot be written is said in words
(the export screen's rules)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from chatsup.client.errors import describe
from chatsup.domain.models import Media
from chatsup.domain.text import visible
from chatsup.kit import render as r
from chatsup.tui.context import context_of
from chatsup.tui.screens.export import may_write, os_error_words

UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(m: Media) -> str:
    """A file name from the visitor's: no folder, no dot first, only plain
    characters (others become `_`), at most 100; else `media-ID`."""
    name = UNSAFE.sub("_", Path(visible(m.name, single_line=True)).name).strip(" .")[:100]
    return name or f"media-{m.id}"


def default_media_path(m: Media) -> Path:
    return Path.home() / safe_name(m)


class SaveMediaDialog(ModalScreen[Path | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", priority=True, id="save-media.cancel"),
        Binding("ctrl+s", "start", "Save", priority=True, id="save-media.start"),
    ]

    def __init__(self, media: Media) -> None:
        super().__init__()
        self.media = media
        self.written: Path | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        m = self.media
        with Vertical(classes="dialog form"):
            head = Text("Save ", style="bold")
            head.append_text(r.plain(m.name, 40, style="bold"))
            head.append(f" ({m.type}, {m.size:,} bytes)", style="dim")
            yield Static(head)
            yield Label("Path")
            yield Input(str(default_media_path(m)), id="sm-path")
            yield Static(Text("enter: save · escape: close", style="dim"), id="sm-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sm-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        if not self.running:
            self.save()

    @work(exclusive=True)
    async def save(self) -> None:
        self.running = True
        try:
            await self._save()
        finally:
            self.running = False

    async def _save(self) -> None:
        dest = Path(self.query_one("#sm-path", Input).value).expanduser()
        status = self.query_one("#sm-status", Static)
        if not await may_write(self, dest, "the visitor's file", status):
            self.query_one("#sm-path", Input).focus()
            return
        if self.media.id is None:
            status.update(Text("this file has no id to download it by", style="red"))
            return
        status.update(Text(f"saving to {dest}…"))
        try:
            got = await context_of(self).client.download_media(self.media.id, dest)
        except OSError as e:
            status.update(Text(os_error_words(e, dest), style="red"))
            return
        except Exception as e:
            status.update(Text(describe(e), style="red"))
            return
        self.written = dest
        status.update(Text(f"saved: {dest} ({got.size:,} bytes) · escape: close", style="green"))
        self.notify(f"Saved to {dest}")

    def action_cancel(self) -> None:
        self.dismiss(self.written)
