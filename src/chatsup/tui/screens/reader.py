"""Reading one long text (an offline message) with its fields."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from chatsup.kit import render as r
from chatsup.tui.messages import OpenDetails


class ReaderScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="reader.dismiss"),
        Binding("enter", "details", "Visitor details", id="reader.details"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str | None]],
        body: str,
        visitor_id: int | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.body = body
        self.visitor_id = visitor_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text(self.title_text, style="bold"))
            head = Text()
            for label, value in self.fields:
                head.append(f"{label}: ", style="dim")
                head.append_text(r.plain(value, 60))
                head.append("\n")
            yield Static(head)
            yield Static(r.block(self.body), classes="body")

    def action_details(self) -> None:
        if self.visitor_id is not None:
            self.dismiss()
            self.app.post_message(OpenDetails(self.visitor_id))
