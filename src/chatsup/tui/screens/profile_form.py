"""The visitor profile form: name, email, phone, notes. `ctrl+s` saves,
`escape` cancels (asking first when something was typed). Every field's
error shows on the first save: email and phone are checked here with the
domain's own rules (chatsup.domain.contact), then the server's 422s show
under their fields. Fits 80×24: one line a field, the body scrolls."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static, TextArea

from chatsup.client import Invalid, SupervisorClient
from chatsup.client.errors import describe
from chatsup.domain import contact
from chatsup.domain.inputs import ProfileIn
from chatsup.domain.labels import visitor_label
from chatsup.domain.models import Profile
from chatsup.domain.text import visible
from chatsup.kit.confirm import ConfirmScreen

FIELDS = ("name", "email", "phone")
# examples, not data: said as such and drawn apart (italic, dim) by app.tcss
PLACEHOLDERS = {
    "name": "e.g. Marie Dupont",
    "email": "e.g. name@example.com",
    "phone": "e.g. +33 6 12 34 56 78",
}
# the lengths the server's ProfileIn allows, read from it (one place)
LIMITS: dict[str, int] = {
    name: next(m.max_length for m in field.metadata if getattr(m, "max_length", None))
    for name, field in ProfileIn.model_fields.items()
}


def problems(values: dict[str, str | None]) -> dict[str, str]:
    """Every field's error at once, by the rules the server applies."""
    out: dict[str, str] = {}
    for f, v in values.items():
        if v and len(v) > LIMITS[f]:
            out[f] = f"at most {LIMITS[f]} characters"
    name = values.get("name")
    if name and any(c in name for c in "\r\n"):
        out["name"] = "must be one line"
    for f, rule in (("email", contact.clean_email), ("phone", contact.clean_phone)):
        v = values.get(f)
        if v and f not in out:
            try:
                rule(v)
            except ValueError as e:
                out[f] = str(e)
    return out  # an empty profile: the server's 422 says so (its rule, in one place)


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
        self.initial: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        who = f"visitor {visitor_label(self.number)}" if self.number else "a visitor"
        with Vertical(classes="dialog form profile"):
            yield Static(Text(f"Profile of {who}", style="bold"))
            with VerticalScroll(id="pf-body"):
                for f in FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(f.capitalize(), classes="field-label")
                        yield Input(
                            visible(getattr(self.profile, f) or ""),
                            id=f"pf-{f}",
                            placeholder=PLACEHOLDERS[f],
                            compact=True,
                        )
                    yield Static("", id=f"err-{f}", classes="error")
                yield Label("Notes", classes="field-label")
                yield TextArea(visible(self.profile.notes or ""), id="pf-notes", compact=True)
                yield Static("", id="err-notes", classes="error")
            yield Static(Text("ctrl+s save · escape cancel", style="dim"), id="pf-hint")
        yield Footer()

    def on_mount(self) -> None:
        for f in (*FIELDS, "notes"):
            self.query_one(f"#err-{f}", Static).display = False
        self.initial = self.values()
        self.query_one("#pf-name", Input).focus()

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {
            f: self.query_one(f"#pf-{f}", Input).value.strip() or None for f in FIELDS
        }
        out["notes"] = self.query_one("#pf-notes", TextArea).text.strip() or None
        return out

    @property
    def changed(self) -> bool:
        return self.values() != self.initial

    def show_errors(self, errors: dict[str, str]) -> None:
        for f in (*FIELDS, "notes"):
            box = self.query_one(f"#err-{f}", Static)
            msg = errors.get(f)
            box.update(Text(f"{f}: {visible(msg)}", style="red") if msg else "")
            box.display = bool(msg)
        first = next((f for f in (*FIELDS, "notes") if f in errors), None)
        if first is not None:
            self.query_one(f"#pf-{first}").focus()

    async def action_save(self) -> None:
        values = self.values()
        found = problems(values)
        self.show_errors(found)
        if found:
            return
        try:
            saved = await self.client.put_profile(self.visitor_id, **values)
        except Invalid as e:
            fields = e.fields or ({e.field: e.message} if e.field else {})
            self.show_errors(
                {(f if f in (*FIELDS, "notes") else "name"): msg for f, msg in fields.items()}
            )
            if not fields:
                self.notify(describe(e), severity="error")
            return
        except Exception as e:
            self.notify(describe(e), severity="error")
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard the changes to this profile?", "n: keep editing", danger=True),
            answer,
        )
