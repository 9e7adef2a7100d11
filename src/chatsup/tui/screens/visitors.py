"""Tab 4, Visitors: every visitor; `+`/`p` fills in a profile, `enter` the
session details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from chatsup.domain.labels import visitor_label
from chatsup.domain.models import Page, VisitorItem
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.tui.messages import EditProfile, OpenDetails
from chatsup.tui.screens.base import ListTab


class VisitorsTab(ListTab):
    TITLE = "Visitors"
    EXPORT_KIND = "visitors"
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Visitor", "number", 8),
        Column("First visit", "first", 11, priority=1),
        Column("Site", "site", 16, priority=2),
        Column("Presented", "agent", 10, priority=3),
        Column("User", "name", min_width=14),
        Column("Pages", "pages", 5, priority=4),
        Column("Country", "country", 12),
        Column("Online", "online", 6),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="details"),
        Binding("plus,p", "profile", "Profile", id="profile"),
    ]

    async def fetch(self, cursor: str | None) -> Page[VisitorItem]:
        return await self.ctx.client.visitors(self.filters, cursor, self.page_size)

    def cells(self, v: VisitorItem) -> Sequence[Text]:
        now = datetime.now(self.ctx.tz)
        name = r.plain(v.name, 24) if v.name else Text("+ add", style="dim italic")
        return (
            Text(visitor_label(v.number)),
            r.ago(v.first_seen_at, now),
            r.ref(v.site),
            r.ref(v.presented_agent),
            name,
            Text(str(v.page_views)),
            r.plain(v.country, 16),
            Text("●", style="green") if v.online else Text(""),
        )

    def action_details(self) -> None:
        v = self.table.current
        if v is not None:
            self.post_message(OpenDetails(v.id))

    def action_profile(self) -> None:
        v = self.table.current
        if v is not None:
            self.post_message(EditProfile(v.id))
