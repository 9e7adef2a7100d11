"""The list draws a one-line body cell itself (kit/cell_line.py, issue 14
P7): every cell must come out as Textual's DataTable._render_cell draws it,
segment by segment (text, style, meta), whatever the cell, the width, the
row's state and the theme; and the rows on screen the same."""

from __future__ import annotations

import itertools
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import DataTable, Input

from chatsup.domain.models import Page
from chatsup.kit.cell_line import one_line
from chatsup.kit.paged_table import Column, PagedTable
from chatsup.kit.render import plain, snippet

WIDTHS = [1, 2, 3, 4, 5, 8, 12, 20]  # one column of each, each row one sample


def samples() -> list[tuple[Text, bool]]:
    """(cell, drawn by the fast path), each made fresh: the table sets the
    overflow of its cells (`_cells`)."""
    long = "A visitor who writes a great deal more than any column shows"
    return [
        (Text("plain"), True),
        (Text(""), True),
        (Text("", style="dim"), True),
        (Text("x"), True),
        (Text("12345678"), True),  # exactly a column's room (10 - 2)
        (Text("123456789"), True),  # one over
        (Text(long), True),
        (Text(long, style="bold red"), True),
        (Text("styled", style=Style(color="cyan", italic=True)), True),
        (Text("linked", style=Style(link="https://example.com")), True),
        (Text.assemble(("who", "bold magenta"), ": ", ("said", "dim"), " more"), True),
        (Text("overlap spans here", spans=[Span(0, 9, "bold"), Span(5, 14, "red")]), True),
        (Text("base and spans", style="italic", spans=[Span(2, 30, "underline")]), True),
        (Text("span past the end", spans=[Span(3, 40, "reverse")]), True),
        (Text("meta", spans=[Span(0, 2, Style(meta={"@click": "x"}))]), True),
        (snippet("a «match» in the «middle» of a line that goes on and on"), True),
        (Text("漢字かなカナ漢字"), True),  # wide: cut on a wide char pads a cell
        (Text("ab漢字"), True),
        (Text("👍🏽 thumbs 👨‍👩‍👧 family"), True),
        (Text("e\u0301te\u0301 cafe\u0301 combining"), True),
        (Text("a\u200bzero\u200bwidth"), True),
        (Text("Zoé Ünïcödé naïve façade"), True),
        (plain("tab\there\tvisible"), True),  # kit.render: tabs made visible
        (plain("two\nlines made one"), True),
        (Text("raw\ttab"), False),  # Textual's: Rich expands tabs
        (Text("two\nlines"), False),
        (Text("right", justify="right"), False),
        (Text("wraps", no_wrap=False), False),
        (Text("ended", end=" !"), False),
        (Text("ignored", overflow="ignore"), False),
        (Text("cropped and long enough to be", overflow="crop"), True),
        (Text("folded and long enough to be", overflow="fold"), True),
    ]


class Cells(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.rows = samples()

    async def fetch(self, cursor: str | None) -> Page[int]:
        return Page[int](items=list(range(len(self.rows))), next_cursor=None)

    def cells(self, i: int) -> list[Text]:
        cell = self.rows[i][0]
        return [cell.copy() for _ in WIDTHS]

    def compose(self) -> ComposeResult:
        yield PagedTable[int](
            [Column(chr(97 + n), f"c{n}", w) for n, w in enumerate(WIDTHS)],
            self.fetch,
            key=str,
            cells=self.cells,
        )
        yield Input()


def both(
    table: PagedTable[Any], row: int, col: int, base: Style, width: int, cursor: bool, hover: bool
) -> tuple[list[Segment], list[Segment]]:
    table._cell_render_cache.clear()
    fast = PagedTable._render_cell(table, row, col, base, width, cursor, hover)
    table._cell_render_cache.clear()
    slow = DataTable._render_cell(table, row, col, base, width, cursor, hover)
    assert len(fast) == len(slow) == 1
    return fast[0], slow[0]


def described(line: list[Segment]) -> list[tuple[str, Style | None, dict[str, Any], bool]]:
    return [(s.text, s.style, dict(s.style.meta) if s.style else {}, s.control) for s in line]


async def test_every_cell_is_drawn_as_textual_draws_it() -> None:
    app = Cells()
    compared = fast_cells = 0
    async with app.run_test(size=(120, 50)) as pilot:
        table = app.query_one(PagedTable)
        table.reload()
        for _ in range(5):
            await pilot.pause()
        assert table.row_count == len(app.rows)
        assert [w for _, w in table.shown] == WIDTHS
        states = [
            (theme, focused, 1, fg_css, focused)
            for theme, focused, fg_css in itertools.product(
                ["textual-dark", "ansi-dark"], [True, False], [True, False]
            )
        ] + [("textual-dark", True, 0, True, True), ("ansi-dark", False, 2, False, False)]
        for theme, focused, padding, fg_css, zebra in states:
            app.theme = theme
            table.cell_padding = padding
            table.cursor_foreground_priority = "css" if fg_css else "renderable"
            table.cursor_background_priority = "renderable" if fg_css else "css"
            table.zebra_stripes = zebra
            (table if focused else app.query_one(Input)).focus()
            await pilot.pause()
            assert table.has_focus == focused
            table._get_styles_to_render_cell.cache_clear()
            for row, (cell, fast) in enumerate(app.rows):
                base = table._get_row_style(row, table.rich_style)
                for col, column in enumerate(table.ordered_columns):
                    width = column.get_render_width(table)
                    for cursor, hover, show_hover in itertools.product(*[[False, True]] * 3):
                        table._show_hover_cursor = show_hover
                        ours, textuals = both(table, row, col, base, width, cursor, hover)
                        assert described(ours) == described(textuals), (
                            theme,
                            focused,
                            padding,
                            row,
                            cell.plain,
                            width,
                            cursor,
                            hover,
                        )
                        compared += 1
                        # the fast path drew it (else this compares Textual with itself)
                        if width - 2 * padding >= 1:
                            drawn = table._get_row_renderables(row).cells[col]
                            comp, post = table._get_styles_to_render_cell(
                                False,
                                False,
                                False,
                                hover,
                                cursor,
                                table.show_cursor,
                                show_hover,
                                fg_css,
                                not fg_css,
                            )
                            got = one_line(app.console, drawn, width, padding, base + comp, post)
                            assert (got is not None) == fast, (cell.plain, width)
                            fast_cells += got is not None
    assert compared > 20_000 and fast_cells > 15_000


async def test_the_rows_on_screen_are_textuals() -> None:
    """Every line of the table as drawn (header, cursor row, zebra rows,
    the blank after the last column), then drawn again by Textual's own
    cell renderer: the same strips."""
    app = Cells()
    async with app.run_test(size=(120, 50)) as pilot:
        table = app.query_one(PagedTable)
        table.reload()
        for _ in range(5):
            await pilot.pause()
        table.move_cursor(row=3)
        table.hover_coordinate = table.cursor_coordinate.down()
        await pilot.pause()

        def lines() -> list[Strip]:
            table._clear_caches()
            return [table.render_line(y) for y in range(table.size.height)]

        ours = lines()
        table._render_cell = DataTable._render_cell.__get__(table)  # type: ignore[method-assign]
        textuals = lines()
        assert len(ours) == table.size.height > len(app.rows)
        for y, (a, b) in enumerate(zip(ours, textuals, strict=True)):
            assert described(list(a)) == described(list(b)), y
