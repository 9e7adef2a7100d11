"""Interaction statistics by day or by hour of day (`b` toggles): chats,
offline messages, mean first response, mean response over every turn,
unanswered — table and chart, filtered by advisor and date. `enter` on a
day → that day's chats."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.chart import Series
from chatsup.kit.render import number, seconds
from chatsup.tui.screens.reports.base import ReportView, Row


class InteractionsView(ReportView):
    TITLE = "Interaction statistics"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "toggle_by", "By day/hour", id="by"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.by = "day"

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.interaction_stats(filters, by=self.by)

    def draw(self, data: dict[str, Any]) -> None:
        by = data.get("by", "day")
        rows: list[Row] = []
        for r in data["rows"]:
            label = r["bucket"] if by == "day" else f"{r['bucket']:02d}:00"
            rows.append(
                (
                    str(r["bucket"]),
                    [
                        Text(label),
                        number(r["chats"]),
                        number(r["offline_messages"]),
                        seconds(r["avg_first_response_s"], "right"),
                        seconds(r["avg_response_s"], "right"),
                        number(r["unanswered"], "red" if r["unanswered"] else ""),
                    ],
                )
            )
        self.table.fill(
            [
                ("Day" if by == "day" else "Hour", 11),
                ("Chats", 6),
                ("Offline", 7),
                ("1st resp.", 9),
                ("Resp.", 7),
                ("Unansw.", 7),
            ],
            rows,
        )
        chats = sum(r["chats"] for r in data["rows"])
        unanswered = sum(r["unanswered"] for r in data["rows"])
        offline = sum(r["offline_messages"] for r in data["rows"])
        self.summary(
            f"by {by} (b: day/hour)",
            self.range_text(data),
            f"{chats:,} chats",
            f"{offline:,} offline messages",
            f"{unanswered:,} unanswered",
        )
        labels = [
            str(r["bucket"])[5:] if by == "day" else f"{r['bucket']:02d}" for r in data["rows"]
        ]
        self.chart.show(
            "bar" if by == "hour" else "line",
            labels,
            [
                Series("chats", tuple(r["chats"] for r in data["rows"])),
                Series("offline", tuple(r["offline_messages"] for r in data["rows"])),
                Series("unanswered", tuple(r["unanswered"] for r in data["rows"])),
            ],
        )

    def action_toggle_by(self) -> None:
        self.by = "hour" if self.by == "day" else "day"
        self.reload()

    def drill(self, key: str) -> None:
        if len(key) == 10:
            self.open_chats(since=key, until=key)
        else:
            self.app.notify("Chats by hour of day span every day: pick a day (b)")

    def drill_chats(self, key: str) -> None:
        self.drill(key)
