"""Presence: per advisor the time online, away and offline over the range
(clipped to now; before an advisor's first recorded change, offline), and a
timeline per advisor drawn as one text bar (green online, yellow away, dim
offline). `enter` (and `c`) → that advisor's chats of the range."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from chatsup.client import Filters, SupervisorClient
from chatsup.kit.render import plain, seconds
from chatsup.tui.screens.reports.base import ReportTable, ReportView, Row

COLUMNS = [("Advisor", 16), ("Online", 8), ("Away", 8), ("Offline", 8), ("Online %", 8)]
BAR = {"online": ("█", "green"), "away": ("▒", "yellow"), "offline": ("·", "dim")}
BAR_WIDTH = 48


def _at(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def timeline(intervals: list[dict[str, Any]], start: datetime, end: datetime, width: int) -> Text:
    """One advisor's intervals as `width` cells: each cell the status that
    held longest over its slice of [start, end]."""
    span = (end - start).total_seconds()
    out = Text()
    if span <= 0 or width < 1:
        return out
    spans = []
    for iv in intervals:
        t0, t1 = _at(iv.get("from")), _at(iv.get("to"))
        if t0 is not None and t1 is not None:
            spans.append(
                ((t0 - start).total_seconds(), (t1 - start).total_seconds(), str(iv["status"]))
            )
    for i in range(width):
        lo, hi = span * i / width, span * (i + 1) / width
        held: dict[str, float] = {}
        for a, b, status in spans:
            overlap = min(b, hi) - max(a, lo)
            if overlap > 0:
                held[status] = held.get(status, 0.0) + overlap
        status = max(held, key=lambda s: held[s]) if held else "offline"
        ch, style = BAR.get(status, BAR["offline"])
        out.append(ch, style=style)
    return out


class PresenceView(ReportView):
    TITLE = "Presence"
    WITH_CHART = False

    def compose_body(self) -> ComposeResult:
        yield ReportTable()
        yield Static("", classes="timeline")

    async def fetch(self, client: SupervisorClient, filters: Filters) -> dict[str, Any]:
        return await client.presence_stats(filters)

    def draw(self, data: dict[str, Any]) -> None:
        rows: list[Row] = []
        for r in data["rows"]:
            a = r["agent"] or {}
            total = r["online_s"] + r["away_s"] + r["offline_s"]
            share = f"{100 * r['online_s'] / total:.0f}%" if total else "—"
            rows.append(
                (
                    str(a.get("id")),
                    [
                        plain(a.get("name"), 16),
                        seconds(r["online_s"], "right"),
                        seconds(r["away_s"], "right"),
                        seconds(r["offline_s"], "right"),
                        Text(share, justify="right"),
                    ],
                )
            )
        self.table.fill(COLUMNS, rows)
        online = sum(r["online_s"] for r in data["rows"])
        self.summary(
            self.range_text(data), f"{len(rows)} advisors", f"online {seconds(online).plain} in all"
        )
        self.query_one(".timeline", Static).update(self.timelines(data["rows"]))

    def timelines(self, rows: list[dict[str, Any]]) -> Text:
        ends = [
            t
            for r in rows
            for iv in r.get("intervals") or []
            for t in (_at(iv.get("from")), _at(iv.get("to")))
            if t is not None
        ]
        if not ends:
            return Text("no presence recorded in the range", style="dim")
        start, end = min(ends), max(ends)
        out = Text(f"{'':16} {start:%d %b %H:%M} → {end:%d %b %H:%M}\n", style="dim")
        for r in rows:
            out.append_text(plain((r["agent"] or {}).get("name"), 16))
            out.append(" " * max(1, 17 - len(plain((r["agent"] or {}).get("name"), 16).plain)))
            out.append_text(timeline(r.get("intervals") or [], start, end, BAR_WIDTH))
            out.append("\n")
        out.append(f"{'':17}", style="dim")
        for status, (ch, style) in BAR.items():
            out.append(f"{ch} {status}  ", style=style)
        return out

    def drill(self, key: str) -> None:
        if key.isdigit():
            self.open_chats(agent_id=int(key))

    def drill_chats(self, key: str) -> None:
        self.drill(key)
