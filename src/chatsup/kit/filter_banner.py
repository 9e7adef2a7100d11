"""The filter banner every list and report shares: a date range preset (or a
custom from/to), advisor, site, and search text. Each view owns one, so each
tab keeps its own filters."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select

from chatsup.client import Filters
from chatsup.domain import timerange
from chatsup.domain.models import Agent, Site

PRESET_LABELS = {
    "all": "All time",
    "today": "Today",
    "yesterday": "Yesterday",
    "last 7 days": "Last 7 days",
    "last 30 days": "Last 30 days",
    "this month": "This month",
    "custom": "Custom…",
}


class FilterBanner(Horizontal):
    DEFAULT_CSS = """
    FilterBanner { height: auto; padding: 0 0; }
    FilterBanner Select { width: 18; }
    FilterBanner #fb-advisor, FilterBanner #fb-site { width: 20; }
    FilterBanner Input { width: 1fr; min-width: 12; }
    FilterBanner .custom { width: 13; display: none; }
    FilterBanner.custom .custom { display: block; }
    """

    class Changed(Message):
        def __init__(self, banner: FilterBanner, filters: Filters) -> None:
            super().__init__()
            self.banner = banner
            self.filters = filters

    def __init__(
        self,
        tz: ZoneInfo,
        *,
        preset: str = "all",
        search: bool = True,
        agents: bool = True,
        sites: bool = True,
        all_label: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.labels = {**PRESET_LABELS, **({"all": all_label} if all_label else {})}
        self.tz = tz
        self.preset = preset
        self.with_search = search
        self.with_agents = agents
        self.with_sites = sites
        self.base = Filters()  # filters set from outside (a drill-down)
        self.filters = self._compute()

    def compose(self) -> ComposeResult:
        yield Select(
            [(v, k) for k, v in self.labels.items()],
            value=self.preset,
            allow_blank=False,
            id="fb-range",
            compact=True,
        )
        yield Input(placeholder="from YYYY-MM-DD", id="fb-from", classes="custom", compact=True)
        yield Input(placeholder="to YYYY-MM-DD", id="fb-to", classes="custom", compact=True)
        if self.with_agents:
            yield Select([], prompt="Any advisor", id="fb-advisor", compact=True)
        if self.with_sites:
            yield Select([], prompt="Any site", id="fb-site", compact=True)
        if self.with_search:
            yield Input(placeholder="/ search", id="fb-search", compact=True)

    def set_choices(self, agents: list[Agent], sites: list[Site]) -> None:
        if self.with_agents:
            self.query_one("#fb-advisor", Select).set_options([(a.name, a.id) for a in agents])
        if self.with_sites:
            self.query_one("#fb-site", Select).set_options([(s.name, s.id) for s in sites])

    def focus_search(self) -> None:
        if self.with_search:
            self.query_one("#fb-search", Input).focus()

    def clear_search(self) -> bool:
        """Clear the search text; False if there was none."""
        if not self.with_search:
            return False
        box = self.query_one("#fb-search", Input)
        if not box.value:
            return False
        box.value = ""
        self._changed()
        return True

    def drill(self, **kw: Any) -> None:
        """Set filters from elsewhere (e.g. Contacts → Messages of a visitor)."""
        self.base = Filters(**kw)
        if "since" in kw or "until" in kw:
            self.query_one("#fb-range", Select).value = "custom"
            self.query_one("#fb-from", Input).value = str(kw.get("since") or "")
            self.query_one("#fb-to", Input).value = str(kw.get("until") or "")
            self.base = Filters(**{k: v for k, v in kw.items() if k not in ("since", "until")})
        self._changed()

    def _compute(self) -> Filters:
        since: date | None = None
        until: date | None = None
        if self.preset == "custom" and self.is_mounted:
            since = self._date("#fb-from")
            until = self._date("#fb-to")
        elif self.preset not in ("custom", "all"):
            since, until = timerange.preset(self.preset, self.tz)
        f = self.base.replace(since=since, until=until)
        if self.is_mounted:
            if self.with_agents:
                v = self.query_one("#fb-advisor", Select).value
                f = f.replace(agent_id=v if isinstance(v, int) else self.base.agent_id)
            if self.with_sites:
                v = self.query_one("#fb-site", Select).value
                f = f.replace(site_id=v if isinstance(v, int) else self.base.site_id)
            if self.with_search:
                q = self.query_one("#fb-search", Input).value.strip()
                f = f.replace(q=q or None)
        return f

    def _date(self, sel: str) -> date | None:
        text = self.query_one(sel, Input).value.strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    def _changed(self) -> None:
        new = self._compute()
        if new != self.filters:
            self.filters = new
            self.post_message(self.Changed(self, new))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "fb-range":
            self.preset = str(event.value)
            self.set_class(self.preset == "custom", "custom")
        self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id in ("fb-from", "fb-to"):
            self._changed()
