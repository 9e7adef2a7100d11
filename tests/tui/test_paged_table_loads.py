"""A page load the table has left behind (a newer first page came in since)
says nothing when it fails: the rows shown stay, and no failure is posted
over them."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult

from chatsup.domain.models import Page, Ref
from chatsup.kit.paged_table import Column, PagedTable
from tests.tui.pilot import screen_text


class Lister(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.failures: list[BaseException] = []

    async def fetch(self, cursor: str | None) -> Page[Ref]:
        await self.release.wait()
        raise ConnectionError("cannot reach the server")

    def compose(self) -> ComposeResult:
        yield PagedTable[Ref](
            [Column("Name", 20)],
            self.fetch,
            key=lambda r: str(r.id),
            cells=lambda r: [Text(r.name or "")],
        )

    def on_paged_table_failed(self, event: Any) -> None:
        self.failures.append(event.error)


async def test_a_failure_of_a_load_left_behind_is_not_posted() -> None:
    app = Lister()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(PagedTable)
        table.reload()  # a load now waits on the server
        await pilot.pause()
        assert table.fetching
        # the first page arrives by another road (the start-up requests)
        table.reload(Page[Ref](items=[Ref(id=1, name="Alice")], next_cursor=None))
        app.release.set()  # the left-behind load fails now
        for _ in range(5):
            await pilot.pause()
        assert table.row_count == 1 and not table.fetching
        assert app.failures == []
        assert "Alice" in screen_text(app)
        # a load of its own generation that fails is still said
        table.reload()
        for _ in range(5):
            await pilot.pause()
        assert len(app.failures) == 1


class Sized(App[None]):
    """A table of three columns, one of them taking the width left."""

    async def fetch(self, cursor: str | None) -> Page[Ref]:
        names = ["Alice", "Bob with a very long name indeed", "Zoé"] * 20
        return Page[Ref](items=[Ref(id=i, name=n) for i, n in enumerate(names)], next_cursor=None)

    def compose(self) -> ComposeResult:
        yield PagedTable[Ref](
            [
                Column("#", "id", 4),
                Column("Name", "name", min_width=8),
                Column("Again", "again", 10),
            ],
            self.fetch,
            key=lambda r: str(r.id),
            cells=lambda r: [Text(str(r.id)), Text(r.name or ""), Text(r.name or "")],
        )


async def test_the_rows_are_sized_as_textual_sizes_them() -> None:
    """PagedTable leaves out Textual's measure of every new cell (its
    columns have their widths, its rows one line): the scrollable size and
    the columns' widths are what Textual's own sizing gives."""
    from textual.widgets import DataTable

    app = Sized()
    async with app.run_test(size=(50, 10)) as pilot:
        table = app.query_one(PagedTable)
        table.reload()
        for _ in range(5):
            await pilot.pause()
        assert table.row_count == 60
        ours = table.virtual_size, [c.get_render_width(table) for c in table.columns.values()]
        drawn = screen_text(app)
        DataTable._update_dimensions(table, list(table.rows))
        assert (
            table.virtual_size,
            [c.get_render_width(table) for c in table.columns.values()],
        ) == ours
        await pilot.pause()
        assert screen_text(app) == drawn
