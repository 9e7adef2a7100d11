"""The visitor of a chat, as far as an advisor may see: who (number,
profile), this visit (site, start, OS, browser, WebRTC, referrer, location)
and the pages viewed. `escape` goes back."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from chatsup.agent_console.context import context_of
from chatsup.client.errors import describe
from chatsup.domain.agent_desk import DeskConversation
from chatsup.domain.labels import visitor_label
from chatsup.kit import render as r


def kv(pairs: list[tuple[str, Text | str | None]]) -> Text:
    t = Text()
    for label, value in pairs:
        t.append(f"{label:>12}  ", style="dim")
        t.append_text(value if isinstance(value, Text) else r.plain(value, 56))
        t.append("\n")
    return t


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def describe_visitor(d: DeskConversation, tz: ZoneInfo) -> Text:
    out = Text()
    v, c = d.visitor, d.conversation
    out.append("Visitor\n", style="bold")
    out.append_text(
        kv(
            [
                ("number", visitor_label(c.visitor.number)),
                ("visits", str(d.visits)),
                ("first seen", r.when(v.first_seen_at, tz) if v else None),
                ("online", yes_no(v.online) if v else None),
            ]
        )
    )
    if d.profile is not None:
        p = d.profile
        out.append("\nProfile\n", style="bold")
        out.append_text(
            kv([("name", p.name), ("email", p.email), ("phone", p.phone), ("notes", p.notes)])
        )
    s = d.session
    out.append("\nThis visit\n", style="bold")
    if s is None:
        out.append("  (no session recorded)\n", style="dim")
    else:
        loc = s.location
        place = ", ".join(x for x in (loc.city, loc.country) if x) if loc else None
        out.append_text(
            kv(
                [
                    ("site", s.site.name),
                    ("started", r.when(s.started_at, tz)),
                    ("os", s.os),
                    ("browser", s.browser),
                    ("webrtc", yes_no(s.webrtc)),
                    ("referrer", s.referrer),
                    ("location", place or None),
                    ("user agent", r.plain(s.user_agent, 300)),
                ]
            )
        )
    out.append(f"\nPages viewed ({len(d.page_views)})\n", style="bold")
    for pv in d.page_views:
        out.append_text(r.when(pv.at, tz))
        out.append("  ")
        out.append_text(r.plain(pv.title or pv.url, 50))
        if pv.title:
            out.append("  ")
            out.append_text(r.plain(pv.url, 60, style="dim"))
        out.append("\n")
    return out


class VisitorScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="visitor.back")
    ]

    def __init__(self, conversation_id: int) -> None:
        super().__init__()
        self.cid = conversation_id
        self.detail: DeskConversation | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="visitor-box"):
            yield Static(Text(f"Visitor of chat #{self.cid}", style="bold"))
            yield Static(Text("loading…", style="dim"), id="visitor-body")

    async def on_mount(self) -> None:
        app = context_of(self)
        body = self.query_one("#visitor-body", Static)
        try:
            self.detail = await app.client.desk_conversation(self.cid)
        except Exception as e:
            body.update(Text(describe(e), style="red"))
            return
        body.update(describe_visitor(self.detail, app.tz))
