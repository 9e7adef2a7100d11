"""A DataTable that pages from the server with its keyset cursor.

The first page shows at once; the next one is fetched in a worker when the
cursor comes near the end. At most `MAX_ROWS` rows are kept: past that the
table says so and the user narrows the filters. Live rows are put at the top
(or updated in place) without moving the cursor off the row the user is on.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from chatsup.domain.models import Page
from chatsup.kit.cell_line import one_line

T = TypeVar("T")

MAX_ROWS = 5000
PREFETCH = 15  # fetch the next page when the cursor is this close to the end
HIGHLIGHT_S = 2.5


@dataclass(frozen=True)
class Column:
    """`width`: the widest value it shows (None: the column takes the width
    left, at least `min_width`, at most `max_width`). `priority`: which
    columns stay on a narrow terminal, 0 first (then 1, 2…); a wider one
    shows more."""

    label: str
    key: str
    width: int | None = None
    priority: int = 0
    min_width: int = 16
    max_width: int | None = None


def fit(columns: Sequence[Column], room: int, padding: int = 2) -> list[tuple[int, int]]:
    """Which columns show in `room` cells and how wide: (index, width) in
    the columns' own order. Columns are taken by priority while their whole
    width fits (`padding` around each); the flexible one gets the rest."""
    chosen: dict[int, int] = {}
    used = 0
    for i in sorted(range(len(columns)), key=lambda i: columns[i].priority):
        c = columns[i]
        width = max(len(c.label), c.width if c.width is not None else c.min_width)
        if used + width + padding > room and chosen:
            continue
        chosen[i] = width  # the header whole too
        used += width + padding
    left = max(0, room - used)
    for i in sorted(i for i in chosen if columns[i].width is None):
        top = columns[i].max_width
        grow = left if top is None else min(left, max(0, top - chosen[i]))
        chosen[i] += grow
        left -= grow
    return sorted(chosen.items())


class PagedTable(DataTable[Any], Generic[T]):
    HELP_TITLE = "List"
    # a list: home/end go to the first/last row (DataTable's own are horizontal)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False, id="table.scroll-top"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="table.scroll-bottom"),
    ]
    """Rows of items of type T, `key(item)` unique, `cells(item)` the row."""

    class Loaded(Message):
        def __init__(self, table: PagedTable[Any], page: Page[Any]) -> None:
            super().__init__()
            self.table = table
            self.page = page

    class Failed(Message):
        def __init__(self, table: PagedTable[Any], error: Exception) -> None:
            super().__init__()
            self.table = table
            self.error = error

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `enter`: DataTable's own (hidden) binding shadowed the list's, so the
        # footer never showed "⏎ Details"; with a holder that binds enter, the
        # key goes to it (a click on a row still selects it: RowSelected)
        if action == "select_cursor" and self._enter_bound_above():
            return False
        return super().check_action(action, parameters)

    def _enter_bound_above(self) -> bool:
        return any(
            "enter" in node._bindings.key_to_bindings
            for node in self.ancestors
            if node is not self.app
        )

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: Callable[[str | None], Awaitable[Page[T]]],
        key: Callable[[T], str],
        cells: Callable[[T], Sequence[Text]],
        order: Callable[[T], Any] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self.columns_spec = list(columns)
        self.fetch = fetch
        self.key_of = key
        self.cells_of = cells
        self.order_of = order  # the list's sort key, newest (largest) first
        self.items: dict[str, T] = {}
        self.next_cursor: str | None = None
        self.fetching = False
        self.generation = 0
        self.capped = False
        self.highlighted: dict[str, float] = {}  # row key → when its highlight ends
        self.unhighlighter: Timer | None = None
        self.shown: list[tuple[int, int]] = []  # (column index, width) on screen

    # -- columns sized from the width -----------------------------------------------

    def on_mount(self) -> None:
        self._layout(self.size.width or self.app.size.width)

    def _on_focus(self, event: events.Focus) -> None:
        """Textual repaints a widget as it takes the focus. The screen's
        auto focus marks the table focused before the first frame is drawn,
        and its Focus event comes after that frame: drawn focused already,
        the table is not drawn again (every visible row: ~20 ms of CPU at
        the start, when the first rows are in the first frame)."""
        drawn = getattr(self, "_pseudo_class_state", None)  # DataTable's, as drawn last
        if drawn is None or not drawn.focus:
            return  # Widget._on_focus: marked focused, repainted
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def on_resize(self) -> None:
        self._layout(self.size.width)

    def _layout(self, width: int) -> None:
        """Choose the columns for `width` (the scrollbar and padding taken
        off); rebuild the table only when the choice changed."""
        shown = fit(self.columns_spec, max(10, width - 2), 2 * self.cell_padding)
        if shown == self.shown:
            return
        current = self.current
        keys = [str(row.key.value) for row in self.ordered_rows]
        self.shown = shown
        self.clear(columns=True)
        for i, w in shown:
            c = self.columns_spec[i]
            self.add_column(Text(c.label), key=c.key, width=w)  # (a str: parsed as markup)
        for k in keys:
            if k in self.items:
                self.add_row(*self._cells(self.items[k]), key=k)
        if current is not None:
            self.move_cursor(row=self.get_row_index(self.key_of(current)), scroll=True)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Textual measures every cell of the new rows (600 for a first
        page of 100: ~6 % of the console's run to its first rows, issue 14,
        P7) to size the columns of automatic width and the rows of
        automatic height. This table gives each column its width (`_layout`)
        and each row one line, without a label: then only the scrollable
        size is left, computed as Textual's ends (tests/tui/
        test_paged_table_loads.py compares them). Anything else: Textual's."""
        keys = list(new_rows)
        rows = [row for k in keys if (row := self.rows.get(k)) is not None]
        if any(c.auto_width for c in self.columns.values()) or any(
            row.auto_height or row.label is not None for row in rows
        ):
            super()._update_dimensions(keys)
            return
        width = sum(c.get_render_width(self) for c in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A body cell of a one-line row, a `Text`, drawn by `one_line`
        (DataTable's own goes through Rich's Padding, Styled and
        render_lines: ~10 % of the console's run to its first rows, issue
        14, P7), cached under DataTable's key in DataTable's cache (so the
        same events clear it). Anything else: Textual's."""
        if row_index < self.fixed_rows or column_index < self.fixed_columns:
            # the header (-1), the labels (-1) and fixed cells
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None or column_key is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (
            row.key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        cell = self._get_row_renderables(row_index).cells[column_index]
        line = None
        if type(cell) is Text:
            component, post = self._get_styles_to_render_cell(
                False,
                False,
                False,
                hover,
                cursor,
                self.show_cursor,
                self._show_hover_cursor,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
            line = one_line(self.app.console, cell, width, self.cell_padding, pre + component, post)
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_render_cache[key] = lines = [line]
        return lines

    @property
    def shown_columns(self) -> list[Column]:
        return [self.columns_spec[i] for i, _ in self.shown]

    def _cells(self, item: T, cells: Sequence[Any] | None = None) -> list[Any]:
        """The cells of the columns on screen; one wider than its column
        ends in `…` (never cut without a sign: the whole value is in the
        details)."""
        all_cells = list(self.cells_of(item) if cells is None else cells)
        shown = [all_cells[i] for i, _ in self.shown if i < len(all_cells)]
        for c in shown:
            if isinstance(c, Text) and c.overflow is None:
                c.overflow = "ellipsis"
        return shown

    # -- loading -----------------------------------------------------------

    def reload(self, first: Page[T] | None = None) -> None:
        """Empty the table and load the first page (`first`: already
        fetched, shown now)."""
        self.generation += 1
        self.clear()
        self.items.clear()
        self.next_cursor = None
        self.capped = False
        self.fetching = False
        if first is None:
            self._load(None, self.generation)
        else:
            self._show(first)

    @work(exclusive=True, group="page")
    async def _load(self, cursor: str | None, generation: int) -> None:
        self.fetching = True
        try:
            page = await self.fetch(cursor)
        except Exception as e:  # shown by the owner, never a traceback
            if generation == self.generation:  # not a load the table has left behind
                self.fetching = False
                self.post_message(self.Failed(self, e))
            return
        if generation != self.generation:
            return
        self._show(page)

    def _show(self, page: Page[T]) -> None:
        """A page's rows under the ones shown."""
        next_cursor = page.next_cursor
        for item in page.items:
            if len(self.items) >= MAX_ROWS:
                self.capped = True
                next_cursor = None
                break
            k = self.key_of(item)
            if k in self.items:
                continue
            self.items[k] = item
            self.add_row(*self._cells(item), key=k)
        # only now: adding rows moves the cursor, which must not ask for more
        self.next_cursor = next_cursor
        self.fetching = False
        self.post_message(self.Loaded(self, page))

    def maybe_load_more(self) -> None:
        if (
            self.next_cursor
            and not self.fetching
            and (self.cursor_row >= self.row_count - PREFETCH)
        ):
            self._load(self.next_cursor, self.generation)

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        self.maybe_load_more()

    # -- what is under the cursor --------------------------------------------

    @property
    def current(self) -> T | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:
            return None
        return self.items.get(str(row_key.value))

    # -- live ------------------------------------------------------------------

    def upsert(self, item: T, *, on_top: bool = True, highlight: bool = True) -> None:
        """Insert a new item in its place (at the top without an `order`), or
        update it in place, keeping the cursor on the row the user is on. An
        item older than the last row while more pages wait is left to paging."""
        k = self.key_of(item)
        if k not in self.items and self._belongs_to_a_later_page(item):
            return
        cells = self._cells(item)
        if highlight:
            cells = [_reversed(c) if isinstance(c, Text) else c for c in cells]
        if k in self.items:
            self.items[k] = item
            for col, cell in zip(self.shown_columns, cells, strict=False):
                self.update_cell(k, col.key, cell)
        else:
            current = self.current
            self.items[k] = item
            self.add_row(*cells, key=k)
            if self.order_of is not None and self.row_count > 1:
                self._sort_by_order()
                if current is not None:
                    self.move_cursor(row=self.get_row_index(self.key_of(current)), scroll=False)
            elif on_top and self.row_count > 1:
                self._move_to_top(k)
                if current is not None:
                    self.move_cursor(row=self.get_row_index(self.key_of(current)), scroll=False)
        if highlight:  # one timer for every highlighted row, not one per event
            self.highlighted[k] = time.monotonic() + HIGHLIGHT_S
            if self.unhighlighter is None:
                self.unhighlighter = self.set_interval(0.5, self._unhighlight_due)

    def discard(self, key: str) -> None:
        """Take row `key` off (a live row that no longer belongs), the cursor
        staying on the row the user is on when it was another."""
        if key not in self.items:
            return
        current = self.current
        del self.items[key]
        self.highlighted.pop(key, None)
        self.remove_row(key)
        if current is not None and self.key_of(current) != key:
            self.move_cursor(row=self.get_row_index(self.key_of(current)), scroll=False)

    def _unhighlight_due(self) -> None:
        now = time.monotonic()
        for k in [k for k, due in self.highlighted.items() if due <= now]:
            del self.highlighted[k]
            self._unhighlight(k)
        if not self.highlighted and self.unhighlighter is not None:
            self.unhighlighter.stop()
            self.unhighlighter = None

    def _move_to_top(self, k: str) -> None:
        """Put row `k` first, the others in their order (public sort API: the
        rank is looked up by the identity of each row's first cell)."""
        rank = {id(self.get_row_at(i)[0]): i + 1 for i in range(self.row_count)}
        rank[id(self.get_row(k)[0])] = 0
        self.sort(key=lambda cells: rank.get(id(cells[0]), 0))

    def _belongs_to_a_later_page(self, item: T) -> bool:
        if self.order_of is None or not self.items or not (self.next_cursor or self.fetching):
            return False
        oldest = min(self.order_of(i) for i in self.items.values())
        return bool(self.order_of(item) < oldest)

    def _sort_by_order(self) -> None:
        """Rows newest first by `order` (rows found by their first cell, as
        in `_move_to_top`)."""
        assert self.order_of is not None
        order = self.order_of
        rank = {id(self.get_row(k)[0]): order(item) for k, item in self.items.items()}
        self.sort(key=lambda cells: rank[id(cells[0])], reverse=True)

    def _unhighlight(self, k: str) -> None:
        item = self.items.get(k)
        if item is None:
            return
        for col, cell in zip(self.shown_columns, self._cells(item), strict=False):
            try:
                self.update_cell(k, col.key, cell)
            except Exception:
                return


def _reversed(cell: Text) -> Text:
    """A copy of the cell drawn in reverse video (Text.stylize works in place
    and returns None: keeping its result drew every live cell as None)."""
    out = cell.copy()
    out.stylize("reverse")
    return out
