"""Tab 2, Offline messages: messages left when nobody was online; `o`
switches them on or off for a site (with confirmation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, get_args

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from chatsup.client.errors import describe
from chatsup.domain.models import OfflineMessage, OfflineStatus, Page, Site
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.tui.screens.base import ListTab


class OfflineTab(ListTab):
    TITLE = "Offline"
    ENTER = "read"
    EXPORT_KIND = "offline-messages"
    BANNER: ClassVar[dict[str, Any]] = {"statuses": get_args(OfflineStatus)}
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Time", "time", 12),
        Column("Site", "site", 16, priority=2),
        Column("Visitor", "visitor", 8, priority=3),
        Column("Name", "name", 14),
        Column("Email / phone", "contact", 22, priority=1),
        Column("Message", "body", min_width=30),
        Column("Handled by", "handled", 10),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "read", "Read", id="read"),
        Binding("o", "switch", "Offline on/off", id="switch"),
    ]

    def compose_top(self) -> ComposeResult:
        yield Static("", id="offline-state", classes="summary")

    def activate(self) -> None:
        super().activate()
        self.show_switches()

    def show_switches(self) -> None:
        """Whether offline messages are on, per site (`o` switches)."""
        self.query_one("#offline-state", Static).update(switches_text(self.ctx.sites))

    async def fetch(self, cursor: str | None) -> Page[OfflineMessage]:
        return await self.ctx.client.offline_messages(self.filters, cursor, self.page_size)

    def cells(self, o: OfflineMessage) -> Sequence[Text]:
        contact = " · ".join(x for x in (o.email, o.phone) if x) or None
        return (
            r.when(o.at, self.ctx.tz),
            r.ref(o.site),
            r.visitor(o.visitor),
            r.plain(o.name, 20),
            r.plain(contact, 40),
            r.plain(o.body, 80),
            r.ref(o.handled_by),
        )

    def action_read(self) -> None:
        o = self.table.current
        if o is None:
            return
        from chatsup.tui.screens.reader import ReaderScreen

        lines = [
            ("From", o.name),
            ("Email", o.email),
            ("Phone", o.phone),
            ("Site", o.site.name),
            ("Status", o.status),
            ("Handled by", o.handled_by.name if o.handled_by else None),
        ]
        self.app.push_screen(
            ReaderScreen(
                f"Offline message {o.id}",
                lines,
                o.body,
                visitor_id=o.visitor.id if o.visitor else None,
            )
        )

    def action_switch(self) -> None:
        from chatsup.tui.screens.offline_switch import OfflineSwitchScreen

        async def done(site_id: int | None) -> None:
            if site_id is None:
                return
            site = next(s for s in self.ctx.sites if s.id == site_id)
            try:
                new = await self.ctx.client.set_offline_enabled(site.id, not site.offline_enabled)
            except Exception as e:
                self.notify(describe(e), severity="error")
                return
            await self.ctx.refresh_choices()
            self.show_switches()
            state = "on" if new.offline_enabled else "off"
            self.notify(f"Offline messages are {state} for {new.name}")

        self.app.push_screen(OfflineSwitchScreen(self.ctx.sites), done)


def switches_text(sites: list[Site]) -> Text:
    """` offline messages on: A, B · off: C` (a site list may be empty)."""
    t = Text(" offline messages", style="dim")
    for on, word, style in ((True, "on", "green"), (False, "off", "red")):
        names = [s.name for s in sites if s.offline_enabled is on]
        if names:
            t.append(f"  {word}: ", style=f"bold {style}")
            t.append(", ".join(r.plain(n, 24).plain for n in names))
    if not sites:
        t.append(": no site", style="dim")
    return t
