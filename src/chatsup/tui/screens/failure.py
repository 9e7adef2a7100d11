"""The server cannot be reached, or the token is refused: say so, offer a
retry, never a traceback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static


class FailureScreen(Screen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"), Binding("q,escape", "quit", "Quit"),
    ]

    def __init__(self, title: str, detail: str) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold red"))
            yield Static(Text(self.detail))
            yield Static(Text("r: retry · q: quit", style="dim"))
        yield Footer()

    def action_retry(self) -> None:
        self.dismiss(True)

    def action_quit(self) -> None:
        self.app.exit(1)
