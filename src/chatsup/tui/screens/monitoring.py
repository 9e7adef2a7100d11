"""Tab 6, Monitoring: daily and monthly reports, visitor, agent and
interaction statistics, the weekday × hour heatmap and advisors' presence,
under one filter banner (date range, advisor, site). Sub-tabs: `[`/`]` or
d m v a i w p.
Live events tick the counters and refresh the visible report (at most once
every few seconds)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane

from chatsup.domain import events as ev
from chatsup.domain.events import Event
from chatsup.kit.filter_banner import PICK_BINDINGS, FilterBanner
from chatsup.tui.context import Context, context_of
from chatsup.tui.screens.banner_keys import BannerKeys
from chatsup.tui.screens.reports.agent_stats import AgentStatsView
from chatsup.tui.screens.reports.base import ReportView
from chatsup.tui.screens.reports.daily import DailyView
from chatsup.tui.screens.reports.heatmap import HeatmapView
from chatsup.tui.screens.reports.interactions import InteractionsView
from chatsup.tui.screens.reports.monthly import MonthlyView
from chatsup.tui.screens.reports.presence import PresenceView
from chatsup.tui.screens.reports.visitor_stats import VisitorStatsView

VIEWS: list[tuple[str, str, str, type[ReportView]]] = [
    ("daily", "d", "Daily", DailyView),
    ("monthly", "m", "Monthly", MonthlyView),
    ("vstats", "v", "Visitors", VisitorStatsView),
    ("astats", "a", "Agents", AgentStatsView),
    ("interactions", "i", "Interactions", InteractionsView),
    ("heatmap", "w", "Week×hour", HeatmapView),
    ("presence", "p", "Presence", PresenceView),
]
COUNTED: dict[type[Event], str] = {
    ev.ConversationStarted: "chats",
    ev.MessageCreated: "messages",
    ev.OfflineMessageCreated: "offline",
    ev.SessionStarted: "visits",
    ev.PageviewCreated: "page views",
    ev.CallUpdated: "call updates",
    ev.SmsCreated: "SMS",
    ev.CallbackCreated: "reminders",
}
REFRESH_S = 5.0  # live events refresh the visible report at most this often


class MonitoringTab(BannerKeys, Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket", "cycle(-1)", "Prev report", show=False, id="monitoring.prev"
        ),
        Binding(
            "right_square_bracket", "cycle(1)", "Next report", show=False, id="monitoring.next"
        ),
        *[
            Binding(key, f"show_view('{vid}')", label, show=False, id=f"monitoring.{vid}")
            for vid, key, label, _ in VIEWS
        ],
        Binding("e", "export", "Export", id="export"),
        Binding("f", "filters", "Filters", id="filters"),
        *PICK_BINDINGS,
        Binding("escape", "clear_filter", "Clear a filter", show=False, id="list.clear-search"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.loaded = False
        self.counts: Counter[str] = Counter()
        self._refresh_timer: Timer | None = None
        self._views: list[ReportView] = []
        self._counts_shown = True

    @property
    def ctx(self) -> Context:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield FilterBanner(self.ctx.tz, search=False, all_label="Report default")
        with TabbedContent(id="mon-tabs"):
            for vid, key, label, cls in VIEWS:
                # the key is the name's first letter, underlined: the seven
                # names fit 80 columns (with "(d)" after each they did not)
                assert label[0].lower() == key
                with TabPane(f"[u]{label[0]}[/u]{label[1:]}", id=f"mon-{vid}"):
                    yield cls(id=vid)
        yield Static(Text("live: waiting for events", style="dim"), id="mon-live")

    @property
    def banner(self) -> FilterBanner:
        return self.query_one(FilterBanner)

    def view(self, vid: str | None = None) -> ReportView:
        if vid is None:
            active = self.query_one("#mon-tabs", TabbedContent).active or "mon-daily"
            vid = active.removeprefix("mon-")
        return self.query_one(f"#{vid}", ReportView)

    @property
    def views(self) -> list[ReportView]:
        if not self._views:  # a DOM query per live event cost more than the rest
            self._views = list(self.query(ReportView))
        return self._views

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_counts)

    # -- life -----------------------------------------------------------------------

    def activate(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.banner.tz = self.ctx.tz
            self.banner.set_choices(self.ctx.agents, self.ctx.sites)
            self.banner.fresh = self.fresh_agents
        self._show_current()

    def _show_current(self) -> None:
        view = self.view()
        view.set_filters(self.banner.filters)
        view.activate(focus=not self.banner.has_focus_within)

    def on_filter_banner_changed(self, event: FilterBanner.Changed) -> None:
        """The report follows the banner; the focus stays where it is (typing
        a custom date goes on after the first one that parses)."""
        event.stop()
        for v in self.views:
            v.set_filters(event.filters)
        if self.loaded:
            self.view().activate(focus=False)

    def on_filter_banner_leave(self, event: FilterBanner.Leave) -> None:
        event.stop()
        self.view().table.focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id == "mon-tabs":
            event.stop()
            self.refresh_bindings()  # `e` is offered only by reports that export
            if self.loaded:
                self._show_current()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return bool(self.is_mounted and self.query("#mon-tabs") and self.view().EXPORT_KIND)
        picker = self.pick_offered(action)
        return action != "search" if picker is None else picker

    # -- keys -----------------------------------------------------------------------

    def action_show_view(self, vid: str) -> None:
        self.query_one("#mon-tabs", TabbedContent).active = f"mon-{vid}"

    def action_cycle(self, step: int) -> None:
        ids = [vid for vid, *_ in VIEWS]
        current = self.view().id or "daily"
        self.action_show_view(ids[(ids.index(current) + step) % len(ids)])

    def action_export(self) -> None:
        self.view().action_export()

    def action_clear_filter(self) -> None:
        """`escape` on a report: the drill-down, then advisor, then site (never the dates)."""
        self.banner.clear_one()
        self.view().table.focus()

    def action_clear_filters(self) -> None:
        self.banner.clear_all()

    def action_search(self) -> None:
        self.app.notify("Reports have no text search: filter by date, advisor and site")

    # -- live -----------------------------------------------------------------------

    def live_event(self, event: Event) -> None:
        label = COUNTED.get(type(event))
        if label is None:
            return
        self.counts[label] += 1
        self._counts_shown = False
        for v in self.views:
            v.stale = True
        if self._refresh_timer is None and self.loaded:
            self._refresh_timer = self.set_timer(REFRESH_S, self._live_refresh)

    def _show_counts(self) -> None:
        """The counters, redrawn at most once a second however fast events come."""
        if self._counts_shown or not self.counts:
            return
        self._counts_shown = True
        parts = " · ".join(f"+{n:,} {k}" for k, n in self.counts.most_common())
        self.query_one("#mon-live", Static).update(Text(f"live since opened: {parts}"))

    def _live_refresh(self) -> None:
        self._refresh_timer = None
        if self.display and self.is_attached and self.loaded:
            view = self.view()
            if view.stale:
                view.reload()
