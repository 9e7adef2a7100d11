"""Agent statistics: per advisor chats, answered, unanswered, mean and
median first response, mean response over every turn, visitors presented.
`enter` → Visitors presented by that advisor, `c` → the advisor's chats."""

from __future__ import annotations

from typing import Any

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.chart import Series
from chatsup.kit.render import number, plain, seconds
from chatsup.tui.screens.reports.base import ReportView, Row

# 75 cells with their padding: the whole table at 80 columns (a name is
# ellipsised, never a figure; the counts fit 99,999, the durations 99m59s)
NAME_WIDTH = 12
COLUMNS = [
    ("Advisor", NAME_WIDTH),
    ("Chats", 6),
    ("Answ.", 6),
    ("Unans.", 6),
    ("1st avg", 7),
    ("1st med", 7),
    ("Resp.", 6),
    ("Presented", 9),
]


class AgentStatsView(ReportView):
    TITLE = "Agent statistics"

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.agent_stats(filters)

    def draw(self, data: dict[str, Any]) -> None:
        rows: list[Row] = []
        for r in data["rows"]:
            a = r["agent"] or {}
            rows.append(
                (
                    str(a.get("id")),
                    [
                        plain(a.get("name"), NAME_WIDTH),
                        number(r["chats"]),
                        number(r["answered"]),
                        number(r["unanswered"], "red" if r["unanswered"] else ""),
                        seconds(r["avg_first_response_s"], "right"),
                        seconds(r["median_first_response_s"], "right"),
                        seconds(r["avg_response_s"], "right"),
                        number(r["visitors_presented"]),
                    ],
                )
            )
        self.table.fill(COLUMNS, rows)
        chats = sum(r["chats"] for r in data["rows"])
        unanswered = sum(r["unanswered"] for r in data["rows"])
        self.summary(
            self.range_text(data),
            f"{len(rows)} advisors",
            f"{chats:,} chats",
            f"{unanswered:,} unanswered",
        )
        names = [str((r["agent"] or {}).get("name") or "?") for r in data["rows"]]
        self.chart.show(
            "bar",
            names,
            [
                Series("answered", tuple(r["answered"] for r in data["rows"])),
                Series("unanswered", tuple(r["unanswered"] for r in data["rows"])),
            ],
            title="chats per advisor",
        )

    def drill(self, key: str) -> None:
        if key.isdigit():
            self.open_visitors(agent_id=int(key))

    def drill_chats(self, key: str) -> None:
        if key.isdigit():
            self.open_chats(agent_id=int(key))
