"""What every Monitoring sub-tab shares: a summary line, a table of the
report's rows (bounded: days, months, advisors, hours — never a whole
history) and a chart. A view says how to fetch its report and how to draw
it; `enter` (and `c`) on a row open what is behind its figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable

from chatsup.client import Filters, SupervisorClient
from chatsup.client.errors import describe
from chatsup.kit.chart import Chart
from chatsup.kit.render import plain
from chatsup.kit.summary import Summary
from chatsup.tui.context import Context, context_of
from chatsup.tui.messages import ShowTab

Row = tuple[str, Sequence[Text]]  # (row key, cells)


class ReportTable(DataTable[Text]):
    """The rows of one report; `home`/`end` go to the first/last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False, id="report.first"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="report.last"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)

    def fill(self, columns: Sequence[tuple[str, int]], rows: Sequence[Row]) -> None:
        """Replace the rows, keeping the cursor on the same key when it is still there."""
        keep = self.current_key
        self.clear(columns=True)
        for label, width in columns:
            self.add_column(label, width=width)
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep))

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return None if key.value is None else str(key.value)


class ReportView(Vertical):
    """One sub-tab of Monitoring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "chats", "Chats", id="chats"),
        Binding("r", "reload", "Reload", show=False, id="report.reload"),
    ]
    TITLE: ClassVar[str] = ""
    EXPORT_KIND: ClassVar[str] = ""  # a report the server exports as CSV/JSONL
    WITH_CHART: ClassVar[bool] = True

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.filters = Filters()
        self.stale = True
        self.data: dict[str, Any] | None = None
        self.fetches = 0

    @property
    def ctx(self) -> Context:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Summary(classes="report-summary")
        yield from self.compose_body()
        if self.WITH_CHART:
            yield Chart()

    def compose_body(self) -> ComposeResult:
        yield ReportTable()

    @property
    def table(self) -> ReportTable:
        return self.query_one(ReportTable)

    @property
    def chart(self) -> Chart:
        return self.query_one(Chart)

    # -- what a view defines ---------------------------------------------------------

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        raise NotImplementedError

    def draw(self, data: dict[str, Any]) -> None:
        """Fill the summary, table and chart from a report."""
        raise NotImplementedError

    def drill(self, key: str) -> None:
        """`enter` on the row `key`."""

    def drill_chats(self, key: str) -> None:
        """`c` on the row `key`: the chats behind it."""

    # -- life ------------------------------------------------------------------------

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.stale = True

    def activate(self, *, focus: bool = True) -> None:
        if self.stale:
            self.reload()
        if focus:
            self.call_after_refresh(self.table.focus)

    def reload(self) -> None:
        self.stale = False
        self._load(self.filters)

    @work(exclusive=True, group="report")
    async def _load(self, filters: Filters) -> None:
        client = self.ctx.client
        try:
            data = await self.fetch(client, filters)
        except Exception as e:  # shown, never a traceback
            self.summary(Text(describe(e), style="red"), style="")
            return
        self.fetches += 1
        self.data = data
        self.draw(data)

    def summary(self, *parts: Text | str, style: str = "bold") -> None:
        """The figures over the table, each part whole (on two lines when
        one is too narrow)."""
        shown = [p if isinstance(p, Text) else Text(p) for p in parts]
        self.query_one(Summary).show(shown, style)

    def range_text(self, data: dict[str, Any]) -> str:
        since, until = data.get("since"), data.get("until")
        return f"{since} → {until}" if since and since != until else str(since or "")

    # -- keys ------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.drill(str(event.row_key.value))

    def action_chats(self) -> None:
        key = self.table.current_key
        if key is not None:
            self.drill_chats(key)

    def action_reload(self) -> None:
        self.reload()

    def action_export(self) -> None:
        if self.EXPORT_KIND:
            from chatsup.tui.screens.export import ExportScreen

            self.app.push_screen(ExportScreen(self.EXPORT_KIND, self.filters))
        else:
            self.app.notify(f"{self.TITLE}: no export; Daily and Monthly export as CSV")

    # -- drill-down helpers ----------------------------------------------------------

    def open_visitors(self, **drill: Any) -> None:
        self._say_narrowed(drill, "Visitors")
        self.post_message(ShowTab("visitors", self._with_range(drill)))

    def open_chats(self, **drill: Any) -> None:
        self._say_narrowed(drill, "Chats")
        self.post_message(ShowTab("messages", self._with_range(drill)))

    def _say_narrowed(self, drill: dict[str, Any], what: str) -> None:
        """A row of one advisor (or site) while the banner picks several:
        the drill-down shows that row's only; said, not silently."""
        for key, noun, known in (
            ("agent_id", "advisors", self.ctx.agents),
            ("site_id", "sites", self.ctx.sites),
        ):
            picked = self.filters.values(key)
            if drill.get(key) is None or len(picked) < 2:
                continue
            names = {x.id: plain(x.name, 30).plain for x in known}
            one = names.get(drill[key], f"#{drill[key]}")
            every = ", ".join(names.get(i, f"#{i}") for i in picked)
            self.app.notify(  # names as text, never markup
                f"{what} of {one} only (this row); the report picks {len(picked)} {noun}: {every}",
                title="Drill-down",
                markup=False,
            )

    def _with_range(self, drill: dict[str, Any]) -> dict[str, Any]:
        """The drill's own filters over the report's (advisor, site, dates)."""
        base: dict[str, Any] = {
            many: self.filters.values(key)
            for key, many in (("agent_id", "agent_ids"), ("site_id", "site_ids"))
            if self.filters.values(key) and key not in drill
        }
        since = _bound((self.data or {}).get("since"))
        until = _bound((self.data or {}).get("until"))
        if "since" not in drill and (since is not None or until is not None):
            base["since"], base["until"] = since, until
        return {**base, **drill}


def _bound(value: object) -> date | datetime | None:
    """A report's range end as a filter: a day or an instant (a month, or
    nothing, is no bound)."""
    text = str(value or "")
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None
