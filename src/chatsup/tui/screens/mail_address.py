"""Where to mail a transcript: one address, prefilled with the server's
supervisor address (`GET /v1/settings`). `enter` sends, `escape` cancels;
left empty, the server's own address is used. A refused address shows
under the field and the dialog stays."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from chatsup.client import Invalid
from chatsup.client.errors import describe
from chatsup.domain.models import MailResult
from chatsup.domain.text import visible
from chatsup.tui.context import context_of


class MailAddressDialog(ModalScreen[MailResult | None]):
    """Sends the transcript and answers where it went, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True, id="mail.cancel"),
        Binding("ctrl+s", "send", "Send", priority=True, id="mail.send"),
    ]

    def __init__(self, conversation_id: int, address: str | None, *, smtp: bool) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.address = address or ""
        self.smtp = smtp
        self.sending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(Text(f"Mail the transcript of chat #{self.conversation_id}", style="bold"))
            yield Label("To")
            yield Input(self.address, id="mail-to", placeholder="e.g. name@example.com")
            yield Static("", id="mail-error", classes="error")
            how = (
                "sent by the server's mail server"
                if self.smtp
                else "no SMTP configured: saved as an .eml file in the server's outbox"
            )
            yield Static(Text(how, style="dim"))
            yield Static(Text("enter send · escape cancel", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#mail-to", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        to = self.query_one("#mail-to", Input).value.strip()
        if not to and not self.address:
            self.show_error("type the address to mail the transcript to")
            return
        if not self.sending:
            self.send(to or None)

    @work(exclusive=True)
    async def send(self, to: str | None) -> None:
        self.sending = True
        self.show_error("")
        self.query_one("#mail-error", Static).update(Text("sending…", style="dim"))
        try:
            res = await context_of(self).client.mail_conversation(self.conversation_id, to)
        except Invalid as e:
            msg = (e.fields or {}).get("to") or e.message
            self.show_error(f"{e.field or 'to'}: {visible(msg)}")
            return
        except Exception as e:
            self.show_error(describe(e))
            return
        finally:
            self.sending = False
        self.dismiss(res)

    def show_error(self, message: str) -> None:
        self.query_one("#mail-error", Static).update(Text(message, style="red"))

    def action_cancel(self) -> None:
        self.dismiss(None)
