"""Tab 1, Messages: every chat, live; search shows matching snippets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from chatsup.client.errors import describe
from chatsup.client.filters import conversation_matches
from chatsup.domain import rules
from chatsup.domain.models import ConversationItem, Page
from chatsup.domain.rules import CONVERSATION_STATUSES
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.tui.messages import EditProfile, MailTranscript, OpenDetails, OpenTail
from chatsup.tui.screens.base import ListTab

STATUS_STYLE = {"unanswered": "bold red", "answered": "green", "ended": "dim", "open": ""}


def advisor(c: ConversationItem) -> Text:
    """The conversation's advisor (rules.conversation_advisor, as the server
    answers it): the holder, else the advisor presented — dim while nobody
    holds the chat."""
    cell = r.ref(c.advisor)
    if c.agent is None and c.advisor is not None:
        cell.stylize("dim")
    return cell


def started(c: ConversationItem) -> tuple[datetime, int]:
    return (c.started_at, c.id)


class MessagesTab(ListTab):
    TITLE = "Messages"
    EXPORT_KIND = "conversations"
    BANNER: ClassVar[dict[str, Any]] = {"statuses": CONVERSATION_STATUSES}
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Time", "time", 12),
        Column("Site", "site", 16, priority=1),
        Column("Advisor", "agent", 10),
        Column("Visitor", "visitor", 14),
        Column("Msgs", "count", 4, priority=3),
        Column("1st resp", "first", 8, priority=2),
        Column("Status", "status", max(map(len, CONVERSATION_STATUSES))),
        Column("Last line", "last", min_width=20),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="details"),
        Binding("m", "mail", "Mail", id="mail"),
        Binding("p", "profile", "Profile", show=False, id="profile"),
        Binding("t", "tail", "Live tail", id="tail"),
        Binding("T", "tail_one", "Tail chat", show=False, id="tail_one"),
        Binding("v", "transcript", "Transcript", show=False, id="transcript"),
    ]

    async def fetch(self, cursor: str | None) -> Page[ConversationItem]:
        return await self.ctx.client.conversations(self.filters, cursor, self.page_size)

    def cells(self, c: ConversationItem) -> Sequence[Text]:
        last = (
            r.snippet(c.snippet)
            if c.snippet
            else r.plain(c.last_message.preview if c.last_message else None, 80)
        )
        status = rules.shown_status(c.status, c.unanswered)
        return (
            r.when(c.started_at, self.ctx.tz),
            r.ref(c.site),
            advisor(c),
            r.visitor(c.visitor),
            Text(str(c.message_count)),
            r.seconds(c.first_response_s),
            Text(status, style=STATUS_STYLE.get(status, "")),
            last,
        )

    def order(self) -> Callable[[Any], Any]:
        """As the server lists them: latest start first."""
        return started

    def on_conversation(self, item: ConversationItem) -> None:
        """A live change: shown (in its place, or updated in place) iff the
        list the banner asks for holds it (client.filters.conversation_matches,
        the server's rule); a row that no longer belongs goes. With a search
        text, which only the server can match, rows shown are updated and
        none is added."""
        table = self.mounted_table
        if not self.loaded or table is None:  # not shown yet, or quitting
            return
        key = str(item.id)
        belongs = conversation_matches(item, self.filters, self.ctx.tz)
        if belongs or (belongs is None and key in table.items):
            table.upsert(item)
        elif key in table.items:
            table.discard(key)
        else:
            return
        self.show_status()

    # -- actions -----------------------------------------------------------------

    def _current(self) -> ConversationItem | None:
        c = self.table.current
        if c is None:
            self.notify("No conversation selected", severity="warning")
        return c

    def action_details(self) -> None:
        if (c := self._current()) is not None:
            self.post_message(OpenDetails(c.visitor.id, c.id))

    def action_transcript(self) -> None:
        if (c := self._current()) is not None:
            from chatsup.tui.screens.transcript import TranscriptScreen

            self.app.push_screen(TranscriptScreen(c.id))

    def action_mail(self) -> None:
        if (c := self._current()) is not None:
            self.post_message(MailTranscript(c.id))

    def action_profile(self) -> None:
        if (c := self._current()) is not None:
            self.post_message(EditProfile(c.visitor.id))

    def action_tail(self) -> None:
        self.post_message(OpenTail(None))

    def action_tail_one(self) -> None:
        if (c := self._current()) is not None:
            self.post_message(OpenTail(c.id))


__all__ = ["MessagesTab", "advisor", "describe"]
