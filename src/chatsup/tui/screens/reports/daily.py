"""Daily report: per day page views, visitors, chats, calls, SMS, with totals
and a chart. `enter` → Visitors of that day, `c` → its chats, `e` CSV."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.chart import Series
from chatsup.kit.render import number
from chatsup.tui.screens.reports.base import ReportView, Row

COLUMNS = [("Day", 11), ("Page views", 10), ("Visitors", 9), ("Chats", 7), ("Calls", 6), ("SMS", 5)]
FIELDS = ["page_views", "visitors", "chats", "calls", "sms"]
CHARTED = [("visitors", "visitors"), ("chats", "chats"), ("calls", "calls")]


class DailyView(ReportView):
    TITLE = "Daily"
    EXPORT_KIND = "daily"

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.daily(filters)

    def draw(self, data: dict[str, Any]) -> None:
        rows: list[Row] = [
            (r["date"], [Text(r["date"]), *[number(r[f]) for f in FIELDS]]) for r in data["rows"]
        ]
        t = data["totals"]
        rows.append(
            ("total", [Text("Total", style="bold"), *[number(t[f], "bold") for f in FIELDS]])
        )
        self.table.fill(COLUMNS, rows)
        self.summary(
            self.range_text(data),
            f"{t['chats']:,} chats",
            f"{t['visitors']:,} distinct visitors",
            f"{t['page_views']:,} page views",
        )
        self.chart.show(
            "line",
            [r["date"][5:] for r in data["rows"]],
            [Series(name, tuple(r[f] for r in data["rows"])) for f, name in CHARTED],
        )

    def drill(self, key: str) -> None:
        if key != "total":
            self.open_visitors(since=key, until=key)
        else:
            self.open_visitors()

    def drill_chats(self, key: str) -> None:
        if key != "total":
            self.open_chats(since=key, until=key)
        else:
            self.open_chats()
