"""What every list tab shares: its filter banner, a paged table and a status
line. A tab says its columns, how to fetch a page and how to draw a row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Static

from chatsup.client import Filters
from chatsup.client.errors import describe
from chatsup.domain.models import Page
from chatsup.kit.filter_banner import PICK_BINDINGS, FilterBanner
from chatsup.kit.paged_table import Column, PagedTable
from chatsup.tui.context import Context, context_of
from chatsup.tui.screens.banner_keys import BannerKeys


class ListTab(BannerKeys, Vertical):
    """A tab with a filter banner over a paged list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filters", "Filters", id="filters"),
        *PICK_BINDINGS,
        Binding("e", "export", "Export", id="export"),
        Binding("r", "reload", "Reload", show=False, id="reload"),
        Binding("escape", "clear_filter", "Clear a filter", show=False, id="list.clear-search"),
    ]
    COLUMNS: ClassVar[Sequence[Column]] = ()
    EXPORT_KIND: ClassVar[str] = ""
    PAGE_SIZE: ClassVar[int | None] = None  # rows per request; None: `page_size`
    TITLE: ClassVar[str] = ""
    BANNER: ClassVar[dict[str, Any]] = {}
    ENTER: ClassVar[str] = "details"  # what `enter` on a row does

    def __init__(self, *, first_frame: bool = False, **kw: Any) -> None:
        """`first_frame`: the tab in front as the console starts; its
        banner draws its first line with one widget until the first rows
        are in (FilterBanner row_later, kit/row_preview.py). A tab built
        later has the line's widgets from the start."""
        super().__init__(**kw)
        self.loaded = False
        self._table: PagedTable[Any] | None = None  # made by compose
        self._status = Static("", classes="status")
        self._said = ""  # what the status line says (`show_status`)
        self.first: tuple[Filters, Page[Any]] | None = None  # see `prefetch`
        # made with the tab, not when it is composed: its filters are known
        # before it is mounted (the app asks for the front list's first page
        # while the first frame is being built: `prefetch`)
        # its hidden second line, and for the first frame its first line's
        # widgets, after the first rows (activate; the line drawn the same
        # till then): a lighter first frame
        self._banner = FilterBanner(
            self.ctx.tz, second_line_later=True, row_later=first_frame, **self.BANNER
        )

    @property
    def ctx(self) -> Context:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield self._banner
        yield from self.compose_top()
        self._table = PagedTable(self.COLUMNS, self.fetch, self.key, self.cells, self.order())
        yield self._table
        yield self._status

    def compose_top(self) -> ComposeResult:
        return iter(())

    @property
    def page_size(self) -> int:
        """Rows per request: two screens of the list (at least 50, at most
        200), so the first page fills the screen on a tall terminal and is
        no larger than it needs on a small one (issue 14, P7: each row of
        the first page is decoded, made into cells and added before the
        first rows are drawn). `PAGE_SIZE`, if set, instead."""
        if self.PAGE_SIZE is not None:
            return self.PAGE_SIZE
        return min(200, max(50, 2 * self.app.size.height))

    @property
    def banner(self) -> FilterBanner:
        return self._banner

    @property
    def table(self) -> PagedTable[Any]:
        """The list (kept, not looked up: a DOM query per live event cost
        the console ~a fifth of its CPU while tailing, P8)."""
        table = self.mounted_table
        if table is None:
            raise NoMatches("the list is not mounted")
        return table

    @property
    def mounted_table(self) -> PagedTable[Any] | None:
        """The list, or None before it is composed and once taken down."""
        table = self._table
        return table if table is not None and table.is_attached else None

    @property
    def filters(self) -> Filters:
        return self.banner.filters

    # -- what a tab defines --------------------------------------------------

    async def fetch(self, cursor: str | None) -> Page[Any]:
        raise NotImplementedError

    def key(self, item: Any) -> str:
        return str(item.id)

    def cells(self, item: Any) -> Sequence[Text]:
        raise NotImplementedError

    def order(self) -> Callable[[Any], Any] | None:
        """The list's sort key, newest first, for live rows (None: on top)."""
        return None

    # -- life -------------------------------------------------------------------

    async def prefetch(self) -> None:
        """Ask for the first page before the tab is shown (the app sends it
        together with its start-up requests): `activate` then shows it at
        once if the filters are still the ones it was asked with. A failure
        is left to `activate`, which asks again and says why."""
        filters = self.filters
        try:
            self.first = (filters, await self.fetch(None))
        except Exception:
            self.first = None

    def activate(self) -> None:
        """Called when the tab is shown: the first time, load."""
        if not self.loaded:
            self.loaded = True
            self.banner.tz = self.ctx.tz  # the company's, known once connected
            self.banner.set_choices(self.ctx.agents, self.ctx.sites)
            self.banner.fresh = self.fresh_agents
            first, self.first = self.first, None
            self.table.reload(first[1] if first and first[0] == self.filters else None)
            # after the frame with the first rows has been drawn
            self.call_after_refresh(self.call_later, self.banner.build_second_line)
            self.call_after_refresh(self.call_later, self.banner.build_row)
        self.call_after_refresh(self._focus_list)

    def _focus_list(self) -> None:
        """The list takes the keys, unless the person is already in the
        banner (`/` pressed as the console started: an activation that comes
        late must not pull the focus out of the search box mid-word), or it
        has them already (Textual's `focus` repaints the whole table), or
        another tab was chosen meanwhile (its pane hidden: a focus here would
        bring this tab back, TabbedContent following the focus)."""
        if any(not node.display for node in self.ancestors_with_self if isinstance(node, Widget)):
            return
        if not self.banner.has_focus_within and self.screen.focused is not self.table:
            self.table.focus()

    def on_show(self) -> None:
        """Shown (its tab chosen): the list takes the keys."""
        if self.loaded:
            self._focus_list()

    def on_filter_banner_changed(self, event: FilterBanner.Changed) -> None:
        event.stop()
        self.table.reload()

    def on_filter_banner_leave(self, event: FilterBanner.Leave) -> None:
        event.stop()
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that do nothing here are not offered (nor shown in the footer)."""
        if action == "search":
            return bool(self.BANNER.get("search", True))
        if action == "export":
            return bool(self.EXPORT_KIND)
        picker = self.pick_offered(action)
        return True if picker is None else picker

    def on_paged_table_loaded(self, event: PagedTable.Loaded) -> None:
        event.stop()
        self.show_status()

    def show_status(self) -> None:
        t = self.table
        more = " · scroll for more" if t.next_cursor else ""
        if t.capped:
            more = " · first rows only: narrow the filters"
        said = f"{t.row_count} shown{more}"
        if said == self._said or not self._status.is_attached:  # (quitting)
            return  # (called on every live row: unchanged, not drawn again)
        self._said = said
        self._status.update(Text(said, style="dim"))

    def on_data_table_row_selected(self, event: Any) -> None:
        """`enter` on a row (the table takes the key itself)."""
        event.stop()
        action = getattr(self, f"action_{self.ENTER}", None)
        if action is not None:
            action()

    def on_paged_table_failed(self, event: PagedTable.Failed) -> None:
        event.stop()
        self._said = ""  # the next count is said again
        self._status.update(Text(describe(event.error), style="red"))
        self.notify(describe(event.error), severity="error")

    # -- actions ------------------------------------------------------------------

    def action_search(self) -> None:
        self.banner.focus_search()

    def action_clear_filter(self) -> None:
        """`escape` on the list: the search, then the drill-down, then the
        advisor, site, status, one per press; never the date range."""
        self.banner.clear_one()
        self.table.focus()

    def action_clear_filters(self) -> None:
        self.banner.clear_all()
        self.table.focus()

    def action_reload(self) -> None:
        self.table.reload()

    def action_export(self) -> None:
        if self.EXPORT_KIND:
            from chatsup.tui.screens.export import ExportScreen

            self.app.push_screen(ExportScreen(self.EXPORT_KIND, self.filters))
