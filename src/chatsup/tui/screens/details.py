"""Session details of a visitor, over any tab: profile, session (first
connection, site, advisor, OS, browser, WebRTC), page views, discussions
with media, location. It opens at its top and scrolls with the usual keys
(up/down, page up/down, home/end) without focusing anything first; `tab`
reaches the discussions, `enter` opens the selected one's transcript, `m`
mails it, `p` edits the profile, `s` saves the selected shared file (name,
type and size listed; its bytes are never drawn), `escape` goes back."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from chatsup.client.errors import describe
from chatsup.domain.labels import visitor_label
from chatsup.domain.models import ConversationItem, VisitorDetail
from chatsup.domain.rules import shown_status
from chatsup.kit import render as r
from chatsup.tui.context import Context, context_of
from chatsup.tui.messages import EditProfile, MailTranscript


def kv(pairs: list[tuple[str, Text | str | None]]) -> Text:
    t = Text()
    for label, value in pairs:
        t.append(f"{label:>16}  ", style="dim")
        if isinstance(value, Text):
            t.append_text(value)
        else:
            t.append_text(r.plain(value, 70))
        t.append("\n")
    return t


class DetailsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="details.back"),
        Binding("enter", "transcript", "Transcript", id="details.transcript"),
        Binding("tab", "app.focus_next", "Chats", id="details.chats"),
        Binding("m", "mail", "Mail", id="details.mail"),  # short: the footer fits 80
        Binding("p", "profile", "Profile", id="details.profile"),
        Binding("s", "save_media", "Save", id="details.save-media"),
    ]

    def __init__(self, visitor_id: int, conversation_id: int | None = None) -> None:
        super().__init__()
        self.visitor_id = visitor_id
        self.conversation_id = conversation_id
        self.detail: VisitorDetail | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details"):
            yield Static(Text(f"Visitor {self.visitor_id}", style="bold"), id="d-title")
            yield Static("", id="d-profile", classes="section")
            yield Static("", id="d-session", classes="section")
            yield Static("", id="d-location", classes="section")
            yield Static(Text("Discussions", style="bold"))
            yield DataTable(id="d-chats", cursor_type="row")
            yield Static("", id="d-media", classes="section")
            yield DataTable(id="d-media-list", cursor_type="row")
            yield Static("", id="d-pages", classes="section")
        yield Footer()

    @property
    def ctx(self) -> Context:
        return context_of(self)

    async def on_mount(self) -> None:
        t = self.query_one("#d-chats", DataTable)
        t.add_columns("Started", "Site", "Advisor", "Msgs", "1st resp", "Status", "Last line")
        mt = self.query_one("#d-media-list", DataTable)
        mt.add_columns("Name", "Type", "Size")
        mt.styles.height = "auto"
        mt.styles.max_height = 12
        scroll = self.query_one("#details", VerticalScroll)
        scroll.can_focus = True
        scroll.focus()  # the page scrolls at once; the chats are a tab away
        await self.load()
        scroll.scroll_home(animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`s` is offered (and shown in the footer) only with a file to save."""
        if action == "save_media":
            return bool(self.detail is not None and self.detail.media)
        return True

    async def load(self) -> None:
        try:
            d = await self.ctx.client.visitor(self.visitor_id)
        except Exception as e:
            self.query_one("#d-title", Static).update(Text(describe(e), style="red"))
            return
        self.detail = d
        self.refresh_bindings()
        tz = self.ctx.tz
        v = d.visitor
        title = Text(f"Visitor {visitor_label(v.number)} ", style="bold")
        if d.profile and d.profile.name:
            title.append_text(r.plain(d.profile.name, 40, style="bold"))
        title.append("  ● online" if v.online else "", style="green")
        self.query_one("#d-title", Static).update(title)
        p = d.profile
        self.query_one("#d-profile", Static).update(
            Text("Profile", style="bold")
            + Text("\n")
            + kv(
                [
                    ("name", p.name if p else None),
                    ("email", p.email if p else None),
                    ("phone", p.phone if p else None),
                    ("notes", p.notes if p else None),
                ]
            )
            + Text("p: edit", style="dim")
        )
        first = d.sessions[-1] if d.sessions else None
        last = d.sessions[0] if d.sessions else None
        chat = self._chat(d)
        webrtc = (
            None
            if last is None or last.webrtc is None
            else ("supported" if last.webrtc else "not supported")
        )
        self.query_one("#d-session", Static).update(
            Text("Session", style="bold")
            + Text("\n")
            + kv(
                [
                    ("first connection", r.when(v.first_seen_at, tz, today=datetime.now(tz))),
                    ("first site", first.site.name if first else None),
                    ("site", last.site.name if last else None),
                    # who chatted (the chat's advisor: the one holding it), then who was presented
                    ("advisor", chat.agent.name if chat and chat.agent else None),
                    ("presented", last.agent.name if last and last.agent else None),
                    ("os", last.os if last else None),
                    ("browser", last.browser if last else None),
                    ("webrtc", webrtc),
                    ("referrer", last.referrer if last else None),
                    ("visits", str(len(d.sessions))),
                    ("pages viewed", str(v.page_views)),
                ]
            )
        )
        loc = d.location
        self.query_one("#d-location", Static).update(
            Text("Location", style="bold")
            + Text("\n")
            + kv(
                [
                    ("city", loc.city if loc else None),
                    ("country", loc.country if loc else None),
                    ("ip", last.ip if last else None),
                ]
            )
        )
        t = self.query_one("#d-chats", DataTable)
        t.clear()
        for c in d.conversations:
            t.add_row(
                r.when(c.started_at, tz),
                r.ref(c.site),
                r.ref(c.agent),
                Text(str(c.message_count)),
                r.seconds(c.first_response_s),
                Text(shown_status(c.status, c.unanswered)),
                r.plain(c.last_message.preview if c.last_message else None, 60),
                key=str(c.id),
            )
        if self.conversation_id is not None and d.conversations:
            ids = [c.id for c in d.conversations]
            if self.conversation_id in ids:
                t.move_cursor(row=ids.index(self.conversation_id))
        media = Text(f"Media ({len(d.media)})", style="bold")
        if d.media:
            media.append("  s: save the selected one to a file", style="dim")
        else:
            media.append("\n  none", style="dim")
        self.query_one("#d-media", Static).update(media)
        mt = self.query_one("#d-media-list", DataTable)
        mt.clear()
        mt.display = bool(d.media)
        for i, m in enumerate(d.media[:50]):
            mt.add_row(r.plain(m.name, 40), r.plain(m.type, 30), r.number(m.size), key=str(i))
        pages = Text(f"Page views ({v.page_views})", style="bold")
        for pv in d.page_views[:30]:
            pages.append("\n  ")
            pages.append_text(r.when(pv.at, tz))
            pages.append("  ")
            pages.append_text(r.plain(pv.title, 30))
            pages.append("  ")
            pages.append_text(r.plain(pv.url, 60, style="dim"))
        self.query_one("#d-pages", Static).update(pages)

    def _chat(self, d: VisitorDetail) -> ConversationItem | None:
        """The chat the screen was opened for, else the visitor's latest."""
        for c in d.conversations:
            if c.id == self.conversation_id:
                return c
        return d.conversations[0] if d.conversations else None

    def _selected_conversation(self) -> int | None:
        t = self.query_one("#d-chats", DataTable)
        if not t.row_count:
            return self.conversation_id
        row_key, _ = t.coordinate_to_cell_key(t.cursor_coordinate)
        return int(str(row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "d-media-list":
            self.action_save_media()
        else:
            self.action_transcript()

    def action_back(self) -> None:
        self.dismiss()

    def action_transcript(self) -> None:
        cid = self._selected_conversation()
        if cid is not None:
            from chatsup.tui.screens.transcript import TranscriptScreen

            self.app.push_screen(TranscriptScreen(cid))

    def action_mail(self) -> None:
        cid = self._selected_conversation()
        if cid is None:
            self.notify("This visitor has no discussion to mail", severity="warning")
            return
        self.post_message(MailTranscript(cid))

    def action_save_media(self) -> None:
        mt = self.query_one("#d-media-list", DataTable)
        if self.detail is None or not mt.row_count:
            self.notify("This visitor shared no file", severity="warning")
            return
        row_key, _ = mt.coordinate_to_cell_key(mt.cursor_coordinate)
        from chatsup.tui.screens.save_media import SaveMediaDialog

        self.app.push_screen(SaveMediaDialog(self.detail.media[int(str(row_key.value))]))

    def action_profile(self) -> None:
        async def reload(_: object) -> None:
            await self.load()

        self.post_message(EditProfile(self.visitor_id, reload))
