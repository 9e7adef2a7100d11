"""Tab 5, Contacts: visitors with a profile. `v` the visitor, `c` their
chats, `p` edit, `d` delete (confirmed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from chatsup.client.errors import describe
from chatsup.domain.labels import visitor_label
from chatsup.domain.models import Contact, Page
from chatsup.kit import render as r
from chatsup.kit.paged_table import Column
from chatsup.tui.messages import EditProfile, ShowTab
from chatsup.tui.screens.base import ListTab


class ContactsTab(ListTab):
    TITLE = "Contacts"
    ENTER = "profile"
    EXPORT_KIND = "contacts"
    BANNER: ClassVar[dict[str, object]] = {"agents": False, "sites": False}
    COLUMNS: ClassVar[Sequence[Column]] = (
        Column("Visitor", "number", 8),
        Column("Name", "name", 16),
        Column("Email", "email", min_width=22, max_width=36),
        Column("Phone", "phone", 18),
        Column("Notes", "notes", priority=1, min_width=10),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "visitor", "Visitor", id="visitor"),
        Binding("c", "chats", "Chats", id="chats"),
        Binding("p,enter", "profile", "Edit", id="profile"),
        Binding("d", "delete", "Delete", id="delete"),
    ]

    async def fetch(self, cursor: str | None) -> Page[Contact]:
        return await self.ctx.client.contacts(self.filters, cursor, self.page_size)

    def cells(self, c: Contact) -> Sequence[Text]:
        return (
            Text(visitor_label(c.number)),
            r.plain(c.name, 24),
            r.plain(c.email, 40),
            r.plain(c.phone, 20),
            r.plain(c.notes, 60),
        )

    def action_visitor(self) -> None:
        if (c := self.table.current) is not None:
            self.post_message(ShowTab("visitors", {"visitor_id": c.id, "label": _who(c)}))

    def action_chats(self) -> None:
        if (c := self.table.current) is not None:
            self.post_message(ShowTab("messages", {"visitor_id": c.id, "label": _who(c)}))

    def action_profile(self) -> None:
        if (c := self.table.current) is not None:
            self.post_message(EditProfile(c.id))

    def action_delete(self) -> None:
        c = self.table.current
        if c is None:
            return
        from chatsup.kit.confirm import ConfirmScreen

        async def done(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await self.ctx.client.delete_profile(c.id)
            except Exception as e:
                self.notify(describe(e), severity="error")
                return
            self.notify(f"Profile of visitor {visitor_label(c.number)} deleted")
            self.table.reload()

        name = r.plain(c.name).plain
        self.app.push_screen(
            ConfirmScreen(
                f"Delete the profile of {name} ({visitor_label(c.number)})?",
                "The visitor stays, anonymous. This cannot be undone.",
                danger=True,
            ),
            done,
        )


def _who(c: Contact) -> str:
    """The contact a drill-down is about, as the banner says it."""
    return f"{r.plain(c.name, 24).plain} ({visitor_label(c.number)})"
