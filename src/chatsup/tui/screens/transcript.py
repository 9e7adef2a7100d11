"""One conversation's transcript, every message drawn as plain text. In an
open chat the supervisor may whisper a note (`n`), write to the visitor
(`w`) or transfer the chat (`x`); see `live_actions`."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from chatsup.client.errors import describe
from chatsup.domain.models import ConversationDetail
from chatsup.kit import render as r
from chatsup.tui.context import context_of
from chatsup.tui.messages import MailTranscript, OpenTail
from chatsup.tui.screens.live_actions import LiveActions, live_bindings


class TranscriptScreen(LiveActions, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="transcript.dismiss"),
        Binding("m", "mail", "Mail", id="transcript.mail"),
        Binding("T", "tail", "Tail", id="transcript.tail"),
        *live_bindings("transcript"),
    ]

    def __init__(self, conversation_id: int) -> None:
        super().__init__()
        self.conversation_id: int | None = conversation_id
        self.cid = conversation_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text(f"Chat #{self.cid}", style="bold"), id="tr-head")
            yield Static(Text("loading…", style="dim"), id="tr-body")
        yield Footer()

    async def on_mount(self) -> None:
        await self.load()

    async def after_action(self) -> None:
        await self.load()

    async def load(self) -> None:
        ctx = context_of(self)
        try:
            d: ConversationDetail = await ctx.client.conversation(self.cid)
        except Exception as e:
            self.query_one("#tr-body", Static).update(Text(describe(e), style="red"))
            return
        c = d.conversation
        self.agent_id = c.agent.id if c.agent else None
        self.open_chat = c.status != "ended"
        head = Text(f"Chat #{c.id} · ", style="bold")
        head.append_text(r.plain(c.site.name, 30))
        head.append(" · ")
        head.append_text(r.visitor(c.visitor))
        head.append(" · advisor ")
        head.append_text(r.ref(c.agent))
        head.append(f" · {c.status}", style="green" if self.open_chat else "dim")
        self.query_one("#tr-head", Static).update(head)
        body = Text("\n").join(r.message_line(m, ctx.tz) for m in d.messages)
        self.query_one("#tr-body", Static).update(body or Text("(no messages)", style="dim"))

    def action_mail(self) -> None:
        self.post_message(MailTranscript(self.cid))

    def action_tail(self) -> None:
        self.post_message(OpenTail(self.cid))
