"""Chats by day of week × local hour of day, shaded by count (the numbers
are in the cells too, so it reads without colour)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult

from chatsup.client import Filters, SupervisorClient
from chatsup.tui.screens.reports.base import ReportTable, ReportView, Row

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SHADES = ["", "on grey23", "on grey35", "on grey50", "on grey70"]


def cell(n: int, top: int) -> Text:
    level = 0 if not n or not top else 1 + min(3, (4 * n - 1) // top)
    text = f"{n}" if n < 1000 else f"{n // 1000}k"
    return Text(text, style=SHADES[level] + (" bold" if level == 4 else ""), justify="right")


class HeatmapView(ReportView):
    TITLE = "Heatmap"
    WITH_CHART = False

    def compose_body(self) -> ComposeResult:
        yield ReportTable(cell_padding=0)

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.heatmap(filters)

    def draw(self, data: dict[str, Any]) -> None:
        grid: list[list[int]] = data["rows"]
        top = max((max(r) for r in grid), default=0)
        rows: list[Row] = [
            (
                str(d),
                [Text(DAYS[d] + " "), *[cell(n, top) for n in grid[d]]],
            )
            for d in range(7)
        ]
        # 76 cells: the 24 hours fit 80 columns; each day's total is in the
        # summary (a column of them after the hours did not fit, and was cut)
        self.table.fill([("", 4), *[(f"{h:3d}", 3) for h in range(24)]], rows)
        total = sum(sum(r) for r in grid)
        busiest = max(
            ((n, d, h) for d, r in enumerate(grid) for h, n in enumerate(r)), default=(0, 0, 0)
        )
        busy = (
            [f"busiest {DAYS[busiest[1]]} {busiest[2]:02d}:00 ({busiest[0]:,})"]
            if busiest[0]
            else []
        )
        days = [f"{DAYS[d]} {sum(grid[d]):,}" for d in range(7)]
        self.summary(
            "chats by weekday × hour", self.range_text(data), f"{total:,} chats", *busy, *days
        )
