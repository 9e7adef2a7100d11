"""The server cannot be reached, or the token is refused: say so, offer a
retry, never a traceback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from chatsup.client.errors import Forbidden, Unauthorized, Unreachable, describe


def failure_of(error: BaseException, url: str, token_hint: str) -> tuple[str, str]:
    """The title and explanation a person sees when connecting failed;
    `token_hint` says which token this app wants and where it comes from."""
    if isinstance(error, (Unauthorized, Forbidden)):
        return "The server refused this token", f"{url} answered 401/403. {token_hint}"
    if isinstance(error, Unreachable):
        return "Cannot reach the chatsup server", str(error)
    return "The server answered something unexpected", describe(error)


class FailureScreen(Screen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id="failure.retry"),
        Binding("q,escape", "quit", "Quit", id="failure.quit"),
    ]

    def __init__(self, title: str, detail: str) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold red"))
            yield Static(Text(self.detail))
            yield Static(Text("r: retry · q: quit", style="dim"))
        yield Footer()

    def action_retry(self) -> None:
        self.dismiss(True)

    def action_quit(self) -> None:
        self.app.exit(1)
