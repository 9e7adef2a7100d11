"""Live tail of every chat line across the company, or of one conversation,
like `tail -f`. On one open chat the supervisor may also whisper,
write or transfer (`live_actions`). It opens with what came before (the recent events, or the
chat so far), then follows; scrolled up, it keeps its place and counts
"N new". Its title says the connection state."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from chatsup.client import LiveStatus
from chatsup.client.errors import describe
from chatsup.domain.agent_desk import message_of
from chatsup.domain.events import (
    ConversationAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    MessageCreated,
)
from chatsup.kit import render as r
from chatsup.kit.live_status import live_label
from chatsup.tui.context import context_of
from chatsup.tui.screens.live_actions import LiveActions, live_bindings

MAX_LINES = 5000
FLUSH_S = 0.1  # lines reach the log in batches: one repaint per batch, not per line
BACKLOG = 300  # events the company-wide tail opens with


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
        if isinstance(e, ConversationAssigned) and e.data.previous_agent is not None:
            t = Text(e.at.astimezone(tz).strftime("%H:%M:%S "), style="dim")  # type: ignore[arg-type]
            t.append(f"── chat #{e.data.conversation_id} transferred to ", style="yellow")
            t.append_text(r.ref(e.data.agent))
            return t
        return None
    m = message_of(e)
    if m is None:
        return None
    return r.message_line(m, tz, visitor=e.data.visitor, chat=True)  # type: ignore[arg-type]


class TailScreen(LiveActions, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="tail.dismiss"),
        Binding("end,G", "follow", "Follow", id="tail.follow"),
        *live_bindings("tail"),
    ]

    def __init__(self, conversation_id: int | None) -> None:
        super().__init__()
        self.conversation_id: int | None = conversation_id
        self.unseen = 0
        self.pending: list[Text] = []
        self.state = "connecting"
        self.detail = ""
        # until the backlog is drawn, live events wait here (then the ones it
        # already holds are dropped)
        self.held: list[Event] | None = []
        self.backlog_events = 0  # the newest event id the backlog drew
        self.backlog_messages: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static("", id="tail-title")
        yield RichLog(max_lines=MAX_LINES, wrap=True, markup=False, id="tail-log")
        yield Static("", id="tail-new")
        yield Footer()

    @property
    def log_view(self) -> RichLog:
        return self.query_one(RichLog)

    def heading(self) -> Text:
        what = (
            f"chat #{self.conversation_id}" if self.conversation_id else "every chat, company-wide"
        )
        t = Text(f"Live tail · {what}  ", style="bold")
        t.append_text(live_label(self.state))
        if self.detail and self.state != "live":
            t.append(f"  {self.detail}", style="dim")
        return t

    def set_status(self, status: LiveStatus | str) -> None:
        """The live connection's state, as the header shows it."""
        if isinstance(status, LiveStatus):
            self.state, self.detail = status.state, status.detail
        else:
            self.state, self.detail = status, ""
        if self.is_mounted:
            self.query_one("#tail-title", Static).update(self.heading())

    def wants(self, e: Event) -> bool:
        if self.conversation_id is None:
            return True
        return e.conversation_id == self.conversation_id

    def add(self, e: Event) -> None:
        """A live event (while the backlog loads, it waits)."""
        if not self.wants(e):
            return
        if self.conversation_id is not None:
            if isinstance(e, ConversationAssigned):
                self.agent_id = e.data.agent.id if e.data.agent else None
            elif isinstance(e, ConversationEnded):
                self.open_chat = False
        if self.held is not None:
            self.held.append(e)
            return
        if e.id <= self.backlog_events:
            return
        if isinstance(e, MessageCreated) and e.data.message_id in self.backlog_messages:
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
        self.query_one("#tail-title", Static).update(self.heading())
        self.log_view.focus()
        self.set_interval(FLUSH_S, self.flush)
        self.set_interval(0.5, self._check_caught_up)
        self.backfill()

    @work(group="backlog")
    async def backfill(self) -> None:
        """What came before: the chat so far, or the recent events company-wide."""
        ctx = context_of(self)
        lines: list[Text] = []
        try:
            if self.conversation_id is not None:
                d = await ctx.client.conversation(self.conversation_id)
                c = d.conversation
                self.agent_id = c.agent.id if c.agent else None
                self.open_chat = c.status != "ended"
                for m in d.messages:
                    lines.append(r.message_line(m, ctx.tz, visitor=d.conversation.visitor))
                self.backlog_messages = {m.id for m in d.messages}
                head = f"── chat #{self.conversation_id} so far: {len(d.messages)} messages"
            else:
                latest = await ctx.client.latest_event_id()
                page = await ctx.client.events(after=max(0, latest - BACKLOG), limit=BACKLOG)
                for e in page.items:
                    line = chat_line(e, ctx.tz)
                    if line is not None:
                        lines.append(line)
                self.backlog_events = max((e.id for e in page.items), default=0)
                head = f"── the last {BACKLOG} events: {len(lines)} chat lines"
        except Exception as err:
            lines, head = [], f"── what came before could not be read: {describe(err)}"
        self.pending[:0] = [Text(head, style="dim"), *lines, Text("── live from here", style="dim")]
        held, self.held = self.held or [], None
        for event in held:
            self.add(event)
        self.flush()

    def _check_caught_up(self) -> None:
        log = self.log_view
        if self.unseen and log.scroll_y >= log.max_scroll_y - 1:
            self.unseen = 0
            self.query_one("#tail-new", Static).update("")

    def action_follow(self) -> None:
        self.log_view.scroll_end(animate=False)
        self.unseen = 0
        self.query_one("#tail-new", Static).update("")
