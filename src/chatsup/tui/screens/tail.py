"""Live tail of every chat line across the company, or of one conversation,
like `tail -f`. Scrolled up, it keeps its place and counts "N new"."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from chatsup.domain.agent_desk import message_of
from chatsup.domain.events import ConversationEnded, ConversationStarted, Event, MessageCreated
from chatsup.kit import render as r
from chatsup.tui.context import context_of

MAX_LINES = 5000
FLUSH_S = 0.1  # lines reach the log in batches: one repaint per batch, not per line


def chat_line(e: Event, tz: object) -> Text | None:
    if not isinstance(e, MessageCreated):
        if isinstance(e, ConversationStarted):
            t = Text(e.at.astimezone(tz).strftime("%H:%M:%S "), style="dim")  # type: ignore[arg-type]
            t.append(f"── new chat #{e.data.id} ", style="yellow")
            t.append_text(r.plain(e.data.site.name, 30))
            return t
        if isinstance(e, ConversationEnded):
            t = Text(e.at.astimezone(tz).strftime("%H:%M:%S "), style="dim")  # type: ignore[arg-type]
            t.append(f"── chat #{e.data.conversation_id} ended", style="dim")
            return t
        return None
    m = message_of(e)
    if m is None:
        return None
    return r.message_line(m, tz, visitor=e.data.visitor, chat=True)  # type: ignore[arg-type]


class TailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="tail.dismiss"),
        Binding("end,G", "follow", "Follow", id="tail.follow"),
    ]

    def __init__(self, conversation_id: int | None) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.unseen = 0
        self.pending: list[Text] = []

    def compose(self) -> ComposeResult:
        what = (
            f"chat #{self.conversation_id}" if self.conversation_id else "every chat, company-wide"
        )
        yield Static(Text(f"Live tail · {what}", style="bold"), id="tail-title")
        yield RichLog(max_lines=MAX_LINES, wrap=True, markup=False, id="tail-log")
        yield Static("", id="tail-new")
        yield Footer()

    @property
    def log_view(self) -> RichLog:
        return self.query_one(RichLog)

    def wants(self, e: Event) -> bool:
        if self.conversation_id is None:
            return True
        return e.conversation_id == self.conversation_id

    def add(self, e: Event) -> None:
        if not self.wants(e):
            return
        line = chat_line(e, context_of(self).tz)
        if line is not None:
            self.pending.append(line)

    def flush(self) -> None:
        """Write the lines that came since the last flush."""
        if not self.pending:
            return
        lines, self.pending = self.pending[-MAX_LINES:], []
        log = self.log_view
        # where the user is going, not where an animated scroll is right now
        following = max(log.scroll_y, log.scroll_target_y) >= log.max_scroll_y - 1
        if log.scroll_target_y < log.scroll_y:  # on the way up: the user left the end
            following = False
        for line in lines:
            log.write(line, scroll_end=False)
        if following:
            log.scroll_end(animate=False)
        else:
            self.unseen += len(lines)
            self.query_one("#tail-new", Static).update(
                Text(f" {self.unseen} new · end: follow ", style="reverse")
            )

    def on_mount(self) -> None:
        self.log_view.focus()
        self.set_interval(FLUSH_S, self.flush)
        self.set_interval(0.5, self._check_caught_up)

    def _check_caught_up(self) -> None:
        log = self.log_view
        if self.unseen and log.scroll_y >= log.max_scroll_y - 1:
            self.unseen = 0
            self.query_one("#tail-new", Static).update("")

    def action_follow(self) -> None:
        self.log_view.scroll_end(animate=False)
        self.unseen = 0
        self.query_one("#tail-new", Static).update("")
