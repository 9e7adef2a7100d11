"""The sign-in screen: asked for a supervisor token when none is configured
(in a terminal and in the browser alike, `chatsup web`).

The token is typed into a password field (never drawn), checked against the
server with one authenticated request, and handed to the app only when the
server takes it; it is never shown, logged or put in a message."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from chatsup.client import SupervisorClient
from chatsup.client.errors import Forbidden, Unauthorized, describe

MAX_TOKEN = 512  # a chatsup token is ~50 characters


class SignInScreen(Screen[str]):
    """Dismissed with a token the server accepted."""

    DEFAULT_CSS = """
    SignInScreen { align: center middle; }
    SignInScreen #signin { width: 64; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; }
    SignInScreen #signin-token { margin: 1 0 0 0; }
    SignInScreen #signin-status { height: auto; min-height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "quit", "Quit", id="signin.quit"),
    ]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="signin"):
            yield Static(Text("Sign in to chatsup", style="bold"))
            yield Static(Text(f"Server {self.url}", style="dim"))
            yield Input(
                placeholder="supervisor token",
                password=True,
                max_length=MAX_TOKEN,
                id="signin-token",
            )
            yield Static(
                Text("A supervisor token: chatsup token create --name me", style="dim"),
                id="signin-status",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def say(self, text: str, style: str = "dim") -> None:
        self.query_one("#signin-status", Static).update(Text(text, style=style))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        token = event.value.strip()
        if not token:
            self.say("Type or paste a supervisor token, then enter.", "bold red")
            return
        self.say("Checking…")
        self.check(token)

    @work(exclusive=True, group="signin")
    async def check(self, token: str) -> None:
        client = SupervisorClient(self.url, token)
        try:
            await client.agents()  # any authenticated request
        except (Unauthorized, Forbidden):
            self.say("The server refused this token (a supervisor token?).", "bold red")
            return
        except Exception as e:
            self.say(f"Cannot sign in: {describe(e)}", "bold red")
            return
        finally:
            await client.aclose()
        self.dismiss(token)

    def action_quit(self) -> None:
        self.app.exit(1)
