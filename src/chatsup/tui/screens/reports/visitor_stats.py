"""Visitor statistics: visits, unique and new visitors per day as a chart
(default: the last 7 days), and the breakdown by site, browser, OS or
country (`b` cycles). `enter` on a day → Visitors of that day; on a site →
Visitors of that site."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.chart import Series
from chatsup.kit.render import number, plain
from chatsup.tui.screens.reports.base import ReportTable, ReportView, Row

BREAKDOWNS = [
    ("by_site", "Site"),
    ("by_browser", "Browser"),
    ("by_os", "OS"),
    ("by_country", "Country"),
]


class VisitorStatsView(ReportView):
    TITLE = "Visitor statistics"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "breakdown", "By site/browser/OS/country", id="breakdown"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.breakdown = 0

    def compose_body(self) -> ComposeResult:
        # each table in its own box: a hidden focused table hands the focus to a
        # focusable sibling, and TabbedContent would then show this tab again
        with Horizontal(classes="pair"):
            with Vertical():
                yield ReportTable(id="vs-days")
            with Vertical():
                yield ReportTable(id="vs-by")

    @property
    def table(self) -> ReportTable:
        return self.query_one("#vs-days", ReportTable)

    @property
    def by_table(self) -> ReportTable:
        return self.query_one("#vs-by", ReportTable)

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.visitor_stats(filters)

    def draw(self, data: dict[str, Any]) -> None:
        days = data["days"]
        rows: list[Row] = [
            (
                d["date"],
                [
                    Text(d["date"]),
                    number(d["visits"]),
                    number(d["unique_visitors"]),
                    number(d["new_visitors"]),
                ],
            )
            for d in days
        ]
        t = data["totals"]
        rows.append(
            (
                "total",
                [
                    Text("Total", style="bold"),
                    number(t["visits"], "bold"),
                    number(t["unique_visitors"], "bold"),
                    number(t["new_visitors"], "bold"),
                ],
            )
        )
        # 38 cells each: the pair side by side at 80 columns, beside a scrollbar
        self.table.fill([("Day", 10), ("Visits", 7), ("Unique", 7), ("New", 6)], rows)
        self.summary(
            self.range_text(data),
            f"{t['visits']:,} visits",
            f"{t['unique_visitors']:,} unique",
            f"{t['new_visitors']:,} new",
        )
        self.draw_breakdown()
        self.chart.show(
            "line",
            [d["date"][5:] for d in days],
            [
                Series("visits", tuple(d["visits"] for d in days)),
                Series("unique", tuple(d["unique_visitors"] for d in days)),
                Series("new", tuple(d["new_visitors"] for d in days)),
            ],
        )

    def draw_breakdown(self) -> None:
        if self.data is None:
            return
        field, label = BREAKDOWNS[self.breakdown]
        rows: list[Row] = [
            (f"{field}:{i}", [plain(r["key"], 17), number(r["visits"]), number(r["visitors"])])
            for i, r in enumerate(self.data[field])
        ]
        self.by_table.fill([(label, 17), ("Visits", 7), ("Visitors", 8)], rows)

    def action_breakdown(self) -> None:
        self.breakdown = (self.breakdown + 1) % len(BREAKDOWNS)
        self.draw_breakdown()

    def drill(self, key: str) -> None:
        if key.startswith("by_site:") and self.data is not None:
            name = self.data["by_site"][int(key.split(":")[1])]["key"]
            site = next((s for s in self.ctx.sites if s.name == name), None)
            if site is not None:
                self.open_visitors(site_id=site.id)
        elif key.startswith("by_"):
            self.app.notify("The Visitors list filters by site, advisor and date only")
        elif key == "total":
            self.open_visitors()
        else:
            self.open_visitors(since=key, until=key)

    def drill_chats(self, key: str) -> None:
        if len(key) == 10:
            self.open_chats(since=key, until=key)
