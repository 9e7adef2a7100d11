"""Monthly report: per month page views, visitors, chats, calls, reminders
(callbacks). `enter` → Visitors of that month, `c` → its chats, `e` CSV."""

from __future__ import annotations

import calendar
from typing import Any

from rich.text import Text

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.chart import Series
from chatsup.kit.render import number
from chatsup.tui.screens.reports.base import ReportView, Row

COLUMNS = [
    ("Month", 8),
    ("Page views", 10),
    ("Visitors", 9),
    ("Chats", 7),
    ("Calls", 6),
    ("Reminders", 9),
]
FIELDS = ["page_views", "visitors", "chats", "calls", "callbacks"]


def since_first_activity(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The months from the first with any activity (a year's report of a
    company three months old starts with its first month, not nine empty
    ones); the last month always stays."""
    for i, r in enumerate(rows):
        if any(r[f] for f in FIELDS):
            return rows[i:]
    return rows[-1:]


def month_range(month: str) -> dict[str, str]:
    """'2026-02' → since 2026-02-01, until 2026-02-28 (inclusive)."""
    y, m = (int(x) for x in month.split("-"))
    return {"since": f"{month}-01", "until": f"{month}-{calendar.monthrange(y, m)[1]:02d}"}


class MonthlyView(ReportView):
    TITLE = "Monthly"
    EXPORT_KIND = "monthly"

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.monthly(filters)

    def draw(self, data: dict[str, Any]) -> None:
        shown = since_first_activity(data["rows"])
        rows: list[Row] = [
            (r["month"], [Text(r["month"]), *[number(r[f]) for f in FIELDS]]) for r in shown
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
            f"{t['callbacks']:,} reminders",
        )
        self.chart.show(
            "bar",
            [r["month"] for r in shown],
            [
                Series("chats", tuple(r["chats"] for r in shown)),
                Series("visitors", tuple(r["visitors"] for r in shown)),
            ],
        )

    def _range(self, key: str) -> dict[str, str]:
        if key != "total":
            return month_range(key)
        rows = (self.data or {}).get("rows") or []
        if not rows:
            return {}
        return {
            "since": month_range(rows[0]["month"])["since"],
            "until": month_range(rows[-1]["month"])["until"],
        }

    def drill(self, key: str) -> None:
        self.open_visitors(**self._range(key))

    def drill_chats(self, key: str) -> None:
        self.open_chats(**self._range(key))
