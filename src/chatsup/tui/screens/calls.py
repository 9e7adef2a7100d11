"""Tab 3, Calls: the summary bar and the call log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from chatsup.domain.models import Call, CallPage, CallSummary
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.tui.messages import OpenDetails
from chatsup.tui.screens.base import ListTab

STATE_STYLE = {
    "answered": "green",
    "ended": "",
    "missed": "bold red",
    "rejected": "red",
    "failed": "red",
    "ringing": "yellow",
}


def summary_text(s: CallSummary) -> Text:
    t = Text()
    for label, value in (
        ("calls", str(s.total)),
        ("answered", str(s.answered)),
        ("missed", str(s.missed)),
        ("total", r.seconds(s.total_duration_s).plain),
        ("mean", r.seconds(s.avg_duration_s).plain),
    ):
        t.append(f" {label} ", style="dim")
        t.append(value + "  ", style="bold")
    return t


class CallsTab(ListTab):
    TITLE = "Calls"
    EXPORT_KIND = "calls"
    BANNER: ClassVar[dict[str, object]] = {"search": False}
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Conv.", "conv", 6),
        Column("Start", "start", 12),
        Column("Duration", "dur", 8),
        Column("Caller", "caller_id", 7),
        Column("Caller nickname", "caller", 16),
        Column("Called", "called_id", 6),
        Column("Called nickname", "called", 14),
        Column("State", "state", 9),
        Column("End reason", "reason"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Caller details", id="details"),
    ]

    def compose_top(self) -> ComposeResult:
        yield Static("", id="call-summary", classes="summary")

    async def fetch(self, cursor: str | None) -> CallPage:
        page = await self.ctx.client.calls(self.filters, cursor, self.PAGE_SIZE)
        if cursor is None:
            self.query_one("#call-summary", Static).update(summary_text(page.summary))
        return page

    def cells(self, c: Call) -> Sequence[Text]:
        return (
            Text(str(c.conversation_id or "—")),
            r.when(c.started_at, self.ctx.tz),
            r.seconds(c.duration_s),
            Text(str(c.caller.id)),
            r.plain(c.caller.nickname, 20),
            Text(str(c.called.id) if c.called else "—"),
            r.plain(c.called.nickname if c.called else None, 20),
            Text(c.state, style=STATE_STYLE.get(c.state, "")),
            r.plain(c.end_reason),
        )

    def action_details(self) -> None:
        c = self.table.current
        if c is not None:
            self.post_message(OpenDetails(c.caller.id, c.conversation_id))
