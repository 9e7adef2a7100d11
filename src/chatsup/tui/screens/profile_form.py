"""The visitor profile form: name, email, phone, notes. `ctrl+s` saves,
`escape` cancels; the server's 422s show under their fields."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from chatsup.client import Invalid, SupervisorClient
from chatsup.client.errors import describe
from chatsup.domain.models import Profile
from chatsup.domain.text import visible

FIELDS = ("name", "email", "phone")


class ProfileForm(ModalScreen[Profile | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="profile.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="profile.cancel"),
    ]

    def __init__(
        self, client: SupervisorClient, visitor_id: int, number: int | None, profile: Profile | None
    ) -> None:
        super().__init__()
        self.client = client
        self.visitor_id = visitor_id
        self.number = number
        self.profile = profile or Profile()

    def compose(self) -> ComposeResult:
        who = f"visitor #{self.number}" if self.number else f"visitor {self.visitor_id}"
        with Vertical(classes="dialog form"):
            yield Static(Text(f"Profile of {who}", style="bold"))
            for f in FIELDS:
                yield Label(f.capitalize())
                yield Input(
                    visible(getattr(self.profile, f) or ""),
                    id=f"pf-{f}",
                    placeholder={"email": "name@example.com", "phone": "+33 6 12 34 56 78"}.get(
                        f, ""
                    ),
                )
                yield Static("", id=f"err-{f}", classes="error")
            yield Label("Notes")
            yield TextArea(visible(self.profile.notes or ""), id="pf-notes")
            yield Static("", id="err-notes", classes="error")
            yield Static(Text("ctrl+s save · escape cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#pf-name", Input).focus()

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {
            f: self.query_one(f"#pf-{f}", Input).value.strip() or None for f in FIELDS
        }
        out["notes"] = self.query_one("#pf-notes", TextArea).text.strip() or None
        return out

    async def action_save(self) -> None:
        for f in (*FIELDS, "notes"):
            self.query_one(f"#err-{f}", Static).update("")
        try:
            saved = await self.client.put_profile(self.visitor_id, **self.values())
        except Invalid as e:
            fields = e.fields or ({e.field: e.message} if e.field else {})
            for f, msg in fields.items():
                target = f if f in (*FIELDS, "notes") else "name"
                self.query_one(f"#err-{target}", Static).update(Text(visible(msg), style="red"))
            if not fields:
                self.notify(describe(e), severity="error")
            return
        except Exception as e:
            self.notify(describe(e), severity="error")
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)
