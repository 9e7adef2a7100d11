"""One conversation: the transcript (new visitor lines arrive live), a reply
line, the visitor's session details (`ctrl+o`) and ending the chat
(`ctrl+t`). The first reply to a waiting chat takes it. A reply that fails
stays in the line with the error shown; `enter` sends it again (same
`client_id`, so a reply that did arrive is not stored twice)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static

from chatsup.agent_console.context import AgentContext, context_of
from chatsup.agent_console.lines import chat_title
from chatsup.agent_console.messages import EndChat
from chatsup.agent_console.screens.visitor import VisitorScreen
from chatsup.agent_console.status import StatusBar
from chatsup.client.errors import Forbidden, describe
from chatsup.domain.agent_desk import DeskConversation
from chatsup.domain.models import ConversationItem, Message, Ref
from chatsup.kit.render import message_line


class ChatScreen(Screen[None]):
    AUTO_FOCUS = "#chat-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
        Binding("ctrl+o", "visitor", "Visitor details", priority=True, id="visitor"),
        Binding("ctrl+t", "end", "End chat", priority=True, id="end"),
    ]

    def __init__(self, conversation_id: int) -> None:
        super().__init__()
        self.cid = conversation_id
        self.item: ConversationItem | None = None
        self.detail: DeskConversation | None = None
        self.messages: dict[int, Message] = {}
        self.pending: dict[str, str] = {}  # reply text → client_id, until it is stored
        self.sending = False
        self.closed_reason: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(Text(f"Chat #{self.cid}", style="bold"), id="chat-title", classes="title")
        yield RichLog(id="chat-log", wrap=True, markup=False, highlight=False)
        yield Static("", id="chat-note")
        yield Input(id="chat-input", placeholder="Type a reply, enter to send", max_length=10_000)
        yield Footer()

    @property
    def ctx(self) -> AgentContext:
        return context_of(self)

    def on_mount(self) -> None:
        self.load()

    # -- the transcript ------------------------------------------------------------

    @work(exclusive=True, group="chat-load")
    async def load(self) -> None:
        app = self.ctx
        self.note("loading…", "dim")
        try:
            detail = await app.client.desk_conversation(self.cid)
        except Forbidden:
            self.close_chat("another advisor holds this chat")
            return
        except Exception as e:
            self.note(
                f"could not load the chat: {describe(e)} (escape, then enter to retry)", "red"
            )
            return
        self.detail = detail
        for m in detail.messages:
            self.messages.setdefault(m.id, m)
        self.update_conversation(detail.conversation)
        self.redraw_log()
        if self.closed_reason is None:
            self.note("", "")

    def redraw_log(self) -> None:
        log = self.query_one("#chat-log", RichLog)
        log.clear()
        me = self.ctx.me
        for m in sorted(self.messages.values(), key=lambda m: m.id):
            log.write(message_line(m, self.ctx.tz, me.id if me else None))
        if not self.messages:
            log.write(Text("(no messages yet)", style="dim"))

    def add_message(self, m: Message) -> None:
        """A message from the socket or a reply's answer (each shown once)."""
        if m.id in self.messages:
            return
        newest = max(self.messages, default=0)
        self.messages[m.id] = m
        if self.detail is None:
            return  # drawn when the transcript arrives
        if m.id > newest and len(self.messages) > 1:
            me = self.ctx.me
            self.query_one("#chat-log", RichLog).write(
                message_line(m, self.ctx.tz, me.id if me else None)
            )
        else:
            self.redraw_log()

    def update_conversation(self, item: ConversationItem) -> None:
        self.item = item
        self.query_one("#chat-title", Static).update(chat_title(item))
        me = self.ctx.me
        if self.closed_reason is not None:
            return
        if item.ended_at is not None:
            self.close_chat("the chat has ended")
        elif item.agent is not None and me is not None and item.agent.id != me.id:
            self.close_chat("another advisor took this chat")

    def transfer_line(self, text: str) -> None:
        """A supervisor's transfer, as a line of the chat."""
        self.query_one("#chat-log", RichLog).write(Text(f"── {text}", style="bold yellow"))

    def close_chat(self, why: str) -> None:
        self.closed_reason = why
        self.note(f"{why} · escape: back to the desk", "bold red")
        self.query_one("#chat-input", Input).disabled = True

    def note(self, text: str, style: str) -> None:
        self.query_one("#chat-note", Static).update(Text(text, style=style))

    # -- replying -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if self.sending or self.closed_reason or not text.strip():
            return
        self.send(text)

    @work(group="chat-send")
    async def send(self, text: str) -> None:
        app = self.ctx
        client_id = self.pending.setdefault(text, uuid.uuid4().hex)
        self.sending = True
        self.note("sending…", "dim")
        try:
            out = await app.client.reply(self.cid, text, client_id)
        except Exception as e:
            self.note(f"not sent: {describe(e)} · enter to try again", "bold red")
            return
        finally:
            self.sending = False
        self.pending.pop(text, None)
        box = self.query_one("#chat-input", Input)
        if box.value == text:
            box.value = ""
        if self.closed_reason is None:
            self.note("", "")
        me = app.me
        mid = out.get("message_id")
        if isinstance(mid, int):
            self.add_message(
                Message(
                    id=mid,
                    conversation_id=self.cid,
                    at=datetime.now(app.tz),
                    sender="agent",
                    agent=Ref(id=me.id, name=me.name) if me else None,
                    body=text,
                )
            )

    # -- keys -----------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_visitor(self) -> None:
        self.app.push_screen(VisitorScreen(self.cid))

    def action_end(self) -> None:
        if self.item is not None and self.item.ended_at is not None:
            self.notify("This chat has already ended")
            return
        self.post_message(EndChat(self.cid))
