"""The desk: conversations waiting for any advisor (oldest first, as a queue)
above the advisor's own open ones. `enter` opens one, `e` ends it, `p`
cycles presence, `r` reloads."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from chatsup.agent_console.context import AgentContext, context_of
from chatsup.agent_console.lines import is_waiting, visitor_label, waited
from chatsup.agent_console.messages import EndChat, OpenChat, ReloadDesk
from chatsup.agent_console.status import StatusBar
from chatsup.domain.models import ConversationItem
from chatsup.kit import render as r

COLUMNS = ("", "chat", "visitor", "site", "waits", "msgs", "last line")
FIXED_WIDTH = 52  # what the columns before "last line" take, with cell padding


def ordered(items: dict[int, ConversationItem]) -> list[ConversationItem]:
    """Waiting ones first, longest waiting on top; then mine, latest line on top."""
    waiting = sorted(
        (c for c in items.values() if is_waiting(c)), key=lambda c: (c.started_at, c.id)
    )
    mine = sorted(
        (c for c in items.values() if not is_waiting(c)),
        key=lambda c: (c.last_message.at if c.last_message else c.started_at, c.id),
        reverse=True,
    )
    return waiting + mine


class QueueScreen(Screen[None]):
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "end", "End chat", id="end"),
        Binding("r", "reload", "Reload", id="reload"),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="queue-title", classes="title")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static(
            Text("enter: open · p: presence (online/away/offline) · e: end · q: quit", style="dim"),
            classes="hint",
        )
        yield Footer()

    @property
    def ctx(self) -> AgentContext:
        return context_of(self)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#queue", DataTable)

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.table.add_column(label, key=label or "mark")
        self.redraw()
        self.set_interval(5.0, self.redraw)  # the waiting times tick

    def current(self) -> ConversationItem | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.ctx.items.get(int(key)) if key else None

    def redraw(self) -> None:
        """Rebuild the rows (a desk holds few) and keep the cursor on its chat."""
        if not self.is_mounted:
            return
        app = self.ctx
        table = self.table
        keep = self.current()
        rows = ordered(app.items)
        now = datetime.now(app.tz)
        width = max(12, self.size.width - FIXED_WIDTH)
        table.clear()
        for c in rows:
            unread = app.unread.get(c.id, 0)
            if is_waiting(c):
                mark = Text("● wait", style="bold yellow")
            else:
                mark = Text(
                    f"✉ {unread}" if unread else "  mine", style="bold cyan" if unread else "green"
                )
            last = c.last_message
            line = Text()
            if last is not None:
                line.append(
                    "› " if last.sender == "visitor" else "‹ ",
                    style="cyan" if last.sender == "visitor" else "green",
                )
                line.append_text(r.plain(last.preview, width))
            table.add_row(
                mark,
                Text(f"#{c.id}"),
                visitor_label(c),
                r.plain(c.site.name, 12),
                self.waits(c, now),
                Text(str(c.message_count)),
                line,
                key=str(c.id),
            )
        if keep is not None and str(keep.id) in {str(c.id) for c in rows}:
            table.move_cursor(row=table.get_row_index(str(keep.id)))
        waiting = sum(1 for c in rows if is_waiting(c))
        title = Text(f" {waiting} waiting", style="bold yellow" if waiting else "dim")
        title.append(f" · {len(rows) - waiting} mine", style="bold")
        if not rows:
            title.append("   nobody is waiting; new chats show up here", style="dim")
            if app.hint:
                title.append(f"\n {app.hint}", style="bold")
        self.query_one("#queue-title", Static).update(title)

    @staticmethod
    def waits(c: ConversationItem, now: datetime) -> Text:
        """How long the visitor has waited: since the chat started while nobody
        took it, since their last line while it is unanswered in mine."""
        if is_waiting(c):
            return waited(c.started_at, now)
        if c.last_message is not None and c.last_message.sender == "visitor":
            return waited(c.last_message.at, now)
        return Text("—", style="dim")

    def on_resize(self) -> None:
        self.redraw()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key:
            self.post_message(OpenChat(int(key)))

    def action_end(self) -> None:
        c = self.current()
        if c is not None:
            self.post_message(EndChat(c.id))

    def action_reload(self) -> None:
        self.post_message(ReloadDesk())
