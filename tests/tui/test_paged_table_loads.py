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
