"""Tab 3, Calls: the summary bar and the call log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from chatsup.domain.labels import chat_label
from chatsup.domain.models import Call, CallPage, CallSummary
from chatsup.domain.rules import CALL_OUTCOMES, CALL_STATES
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.kit.summary import Summary
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


# the end reasons in words (every one of rules.END_REASONS; tests check)
END_REASON_WORDS = {
    "visitor_hangup": "visitor hung up",
    "agent_hangup": "advisor hung up",
    "no_answer": "no answer",
    "rejected": "rejected",
    "busy": "busy",
    "network_error": "network error",
    "timeout": "timed out",
}


def end_reason(code: str | None) -> Text:
    if code is None:
        return r.plain(None)
    return r.plain(END_REASON_WORDS.get(code, code.replace("_", " ")))


def summary_parts(s: CallSummary) -> list[Text]:
    """Calls, then each outcome (they add up to the calls), then durations;
    an outcome nobody had is left out but answered and missed. Each label
    with its figure, one part (the Summary never splits one)."""
    counts = [("calls", f"{s.total:,}")]
    for outcome in CALL_OUTCOMES:
        n = int(getattr(s, outcome))
        if n or outcome in ("answered", "missed"):
            counts.append((outcome, f"{n:,}"))
    parts = []
    for label, value in (
        *counts,
        ("total time", r.seconds(s.total_duration_s).plain),
        ("mean", r.seconds(s.avg_duration_s).plain),
    ):
        part = Text(f"{label} ", style="dim")
        part.append(value, style=f"bold {STATE_STYLE.get(label, '')}".strip())
        parts.append(part)
    return parts


class CallsTab(ListTab):
    TITLE = "Calls"
    EXPORT_KIND = "calls"
    BANNER: ClassVar[dict[str, object]] = {"search": False, "statuses": CALL_STATES}
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Chat", "conv", 6, priority=2),
        Column("Start", "start", 12),
        Column("Duration", "dur", 8, priority=1),
        Column("Caller", "caller_id", 7, priority=4),
        Column("Caller nickname", "caller", 16),
        Column("Called", "called_id", 6, priority=5),
        Column("Called nickname", "called", 14, priority=3),
        Column("State", "state", max(map(len, CALL_STATES))),
        Column("End reason", "reason", min_width=max(map(len, END_REASON_WORDS.values()))),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Caller details", id="details"),
    ]

    def compose_top(self) -> ComposeResult:
        yield Summary(id="call-summary", sep="  ")

    async def fetch(self, cursor: str | None) -> CallPage:
        page = await self.ctx.client.calls(self.filters, cursor, self.page_size)
        if cursor is None:
            self.query_one("#call-summary", Summary).show(summary_parts(page.summary))
        return page

    def cells(self, c: Call) -> Sequence[Text]:
        return (
            Text(chat_label(c.conversation_id)) if c.conversation_id else r.plain(None),
            r.when(c.started_at, self.ctx.tz),
            r.seconds(c.duration_s),
            Text(str(c.caller.id)),
            r.plain(c.caller.nickname, 20),
            Text(str(c.called.id) if c.called else "—"),
            r.plain(c.called.nickname if c.called else None, 20),
            Text(c.state, style=STATE_STYLE.get(c.state, "")),
            end_reason(c.end_reason),
        )

    def action_details(self) -> None:
        c = self.table.current
        if c is not None:
            self.post_message(OpenDetails(c.caller.id, c.conversation_id))
