"""The filter banner every list and report shares: a date range preset (or a
custom from/to), advisors, sites and statuses (several of each: a popup
picks them, the banner shows them compactly, kit/multi_picker.py) and
search text. Each view owns one, so each tab keeps its own filters.

Every filter in force is drawn in it: a drill-down's advisor, site, status
and dates set the banner's own choices (so picking another one replaces
it), and what has no choice of its own (a visitor, a time of day) is
written on the banner's second line until it is cleared. `clear_one`
takes them off one per call (search, drill-down, advisor, site, status),
never the date range."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from chatsup.client import Filters
from chatsup.domain import timerange
from chatsup.domain.models import Agent, Site
from chatsup.kit.multi_picker import Choice, MultiPicker, PickerField, label
from chatsup.kit.select_preview import SelectPreview

if TYPE_CHECKING:  # imported when the date range's Select is first built
    from chatsup.kit.safe_select import Select

PRESET_LABELS = {
    "all": "All time",
    "today": "Today",
    "yesterday": "Yesterday",
    "last 7 days": "Last 7 days",
    "last 30 days": "Last 30 days",
    "this month": "This month",
    "custom": "Custom…",
}
Bound = date | datetime | None
# per multi-select: (filter key, its Filters field, widget name, noun, any-label, popup title)
PICKERS = (
    ("agent_id", "agent_ids", "advisor", "Advisors", "Any advisor", "Advisors (any of them)"),
    ("site_id", "site_ids", "site", "Sites", "Any site", "Sites (any of them)"),
    ("status", "statuses", "status", "Status", "Any status", "Statuses (any of them)"),
)
PRESENCE_STYLE = {"online": "green", "away": "yellow", "offline": "dim"}
# The keys that open a picker, for the views that hold a banner (the list
# tabs, Monitoring): action → the filter key it picks. Remappable by id.
PICK_ACTIONS = {"pick_advisors": "agent_id", "pick_sites": "site_id", "pick_statuses": "status"}
PICK_BINDINGS: list[BindingType] = [
    Binding("A", "pick_advisors", "Pick advisors", show=False, id="filters.advisors"),
    Binding("S", "pick_sites", "Pick sites", show=False, id="filters.sites"),
    Binding("U", "pick_statuses", "Pick statuses", show=False, id="filters.statuses"),
]


def parse_bound(text: str, tz: ZoneInfo) -> Bound:
    """`YYYY-MM-DD` → a date; `YYYY-MM-DD HH:MM` (or ISO 8601) → a datetime
    in `tz` unless it names its own offset; blank → None. ValueError else."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:
        return date.fromisoformat(text)
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def bound_text(value: Bound) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


class FilterBanner(Vertical):
    DEFAULT_CSS = """
    FilterBanner { height: auto; padding: 0 0; }
    FilterBanner Horizontal { height: 1; }
    FilterBanner #fb-range, FilterBanner #fb-range-preview { width: 18; }
    FilterBanner PickerField { width: 1fr; min-width: 12; max-width: 32; }
    FilterBanner #fb-search { width: 1fr; min-width: 10; }
    FilterBanner #fb-more { display: none; }
    FilterBanner.more #fb-more { display: block; }
    FilterBanner .custom { width: 18; display: none; }
    FilterBanner.custom .custom { display: block; }
    FilterBanner #fb-drill { width: 1fr; }
    FilterBanner Input.-invalid { color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to the list", show=False, id="banner.leave"),
    ]
    HELP_TITLE = "Filters"

    class Changed(Message):
        def __init__(self, banner: FilterBanner, filters: Filters) -> None:
            super().__init__()
            self.banner = banner
            self.filters = filters

    class Leave(Message):
        """`escape` in the banner: back to the list, the filters kept."""

        def __init__(self, banner: FilterBanner) -> None:
            super().__init__()
            self.banner = banner

    def __init__(
        self,
        tz: ZoneInfo,
        *,
        preset: str = "all",
        search: bool = True,
        agents: bool = True,
        sites: bool = True,
        statuses: tuple[str, ...] = (),
        all_label: str | None = None,
        second_line_later: bool = False,
        range_later: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        # range_later: the date range drawn by a SelectPreview (one widget,
        # the same cells) until `build_range` puts the Select in its place
        self.range_later = range_later
        self.range_built = False  # the Select made (it may still be mounting)
        self.range_ready = not range_later  # the Select mounted and shown
        # the second line (custom dates, the drill-down, an error) is hidden
        # until it has something to show; later: built when first needed or
        # when the owner calls `build_second_line` (a first frame without it)
        self.second_line_later = second_line_later
        self.second_line_built = False
        self.labels = {**PRESET_LABELS, **({"all": all_label} if all_label else {})}
        self.tz = tz
        self.preset = preset
        self.with_search = search
        self.with_agents = agents
        self.with_sites = sites
        self.statuses = statuses
        self.choices: dict[str, list[Choice]] = {"status": [(label(s), s) for s in statuses]}
        self.names: dict[str, dict[Any, str]] = {"status": {s: s for s in statuses}}
        self.picked: dict[str, tuple[Any, ...]] = {}
        # set by the owner: brings the advisors (their presence) up to date
        # before their popup opens (set_choices); None: as last given
        self.fresh: Callable[[], Awaitable[None]] | None = None
        self.base = Filters()  # a drill-down's filters that have no choice of their own
        self.base_label = ""  # what `base` is, in words
        self.error = ""  # an invalid custom date, said on the second line
        self.filters = self._compute()

    def compose(self) -> ComposeResult:
        with Horizontal(id="fb-row"):
            if self.range_later:
                yield SelectPreview(self.labels[self.preset], id="fb-range-preview")
            else:
                self.range_built = True
                yield self._range_select()
            for key, _, name, noun, any_label, _ in PICKERS:
                if key in self.keys:
                    yield PickerField(key, noun, any_label, id=f"fb-{name}")
            if self.with_search:
                yield Input(placeholder="/ search", id="fb-search", compact=True)
        if not self.second_line_later:
            self.second_line_built = True
            with Horizontal(id="fb-more"):
                yield from self._second_line()

    def _range_select(self) -> Select[str]:
        from chatsup.kit.safe_select import Select

        return Select(
            [(v, k) for k, v in self.labels.items()],
            value=self.preset,
            allow_blank=False,
            id="fb-range",
            compact=True,
        )

    def build_range(self, then: Callable[[Select[Any]], object] | None = None) -> None:
        """The date range's Select in place of its preview, if it was left
        for later and is not built yet; `then` is called with the Select
        once it is mounted and shown (at once if it was already)."""
        if self.range_built:
            if then is not None:
                then(self._select("range"))
            return
        previews = self.query(SelectPreview)
        if not self.is_attached or not previews:  # (not composed yet)
            return
        self.range_built = True
        preview = previews.first()
        select = self._range_select()
        select.display = False
        mounted = self.query_one("#fb-row", Horizontal).mount(select, before=preview)

        async def swap() -> None:
            await mounted
            if not select.is_attached:  # (the banner was taken down meanwhile)
                return
            self.range_ready = True
            if select.value != self.preset:  # chosen while it mounted (a drill-down)
                select.value = self.preset
            preview.display = False  # both in one frame: the row never moves
            select.display = True
            await preview.remove()
            if then is not None:
                then(select)

        self.call_later(swap)

    def _show_range(self) -> None:
        """The preset chosen, drawn: by the Select, or by its preview (a
        Select still mounting is given it once mounted: Textual's Select
        set while its parts are being composed draws nothing, or raises)."""
        if self.range_ready:
            self._select("range").value = self.preset
        elif not self.range_built:
            for preview in self.query(SelectPreview):
                preview.show(self.labels[self.preset])

    def on_select_preview_clicked(self, event: SelectPreview.Clicked) -> None:
        event.stop()

        def open_it(select: Select[Any]) -> None:
            select.focus()
            select.action_show_overlay()

        self.build_range(open_it)

    @staticmethod
    def _second_line() -> list[Widget]:
        return [
            Input(placeholder="from YYYY-MM-DD", id="fb-from", classes="custom", compact=True),
            Input(placeholder="to YYYY-MM-DD", id="fb-to", classes="custom", compact=True),
            Static("", id="fb-drill"),
        ]

    def build_second_line(self) -> None:
        """The second line now, if it was left for later and is not built
        yet (its widgets can be queried as soon as this returns)."""
        if self.second_line_built or not self.is_attached:
            return
        self.second_line_built = True
        row = Horizontal(id="fb-more")
        self.mount(row)
        if row.is_attached:  # (not while the banner is being taken down)
            row.mount(*self._second_line())

    def on_mount(self) -> None:
        self._show_more()

    def set_choices(self, agents: list[Agent], sites: list[Site]) -> None:
        """The advisors (with their presence) and sites to pick from."""
        self.choices["agent_id"] = [
            (label(a.name, a.presence, PRESENCE_STYLE.get(a.presence, "")), a.id) for a in agents
        ]
        self.names["agent_id"] = {a.id: a.name for a in agents}
        self.choices["site_id"] = [(label(s.name), s.id) for s in sites]
        self.names["site_id"] = {s.id: s.name for s in sites}
        for key in self.keys:
            self._show_picked(key)

    @property
    def keys(self) -> list[str]:
        """The filter keys this banner picks: agent_id, site_id, status."""
        out = []
        if self.with_agents:
            out.append("agent_id")
        if self.with_sites:
            out.append("site_id")
        if self.statuses:
            out.append("status")
        return out

    def _select(self, name: str) -> Select[Any]:
        from chatsup.kit.safe_select import Select

        return self.query_one(f"#fb-{name}", Select)

    def field(self, key: str) -> PickerField:
        name = next(p[2] for p in PICKERS if p[0] == key)
        return self.query_one(f"#fb-{name}", PickerField)

    # -- picking several -------------------------------------------------------------

    def pick(self, key: str, values: tuple[Any, ...] | list[Any]) -> None:
        """Set what `key` (agent_id, site_id, status) selects: any of
        `values`; empty: any."""
        self.picked[key] = tuple(dict.fromkeys(values))
        self._show_picked(key)
        self._changed()

    def open_picker(self, key: str) -> None:
        """The popup of `key`'s choices; what it answers replaces the pick."""
        if key in self.keys:
            self.run_worker(self._open(key), group="picker", exclusive=True)

    async def _open(self, key: str) -> None:
        if key == "agent_id" and self.fresh is not None:
            try:  # presence changes: ask again (a second at most), else as known
                await asyncio.wait_for(self.fresh(), 1.0)
            except Exception:
                pass
        title = next(p[5] for p in PICKERS if p[0] == key)

        def done(values: tuple[Any, ...] | None) -> None:
            if values is not None:
                self.pick(key, values)

        self.app.push_screen(
            MultiPicker(title, self.choices.get(key, []), self.picked.get(key, ())), done
        )

    def on_picker_field_open(self, event: PickerField.Open) -> None:
        event.stop()
        self.open_picker(event.field.key)

    def _show_picked(self, key: str) -> None:
        if self.is_mounted and key in self.keys:
            names = self.names.get(key, {})
            self.field(key).show([names.get(v, f"#{v}") for v in self.picked.get(key, ())])

    # -- focus ---------------------------------------------------------------------

    def focus_search(self) -> None:
        if self.with_search:
            self.query_one("#fb-search", Input).focus()

    def focus_first(self) -> None:
        self.build_range(lambda select: select.focus())

    def action_leave(self) -> None:
        self.post_message(self.Leave(self))

    # -- setting and clearing ----------------------------------------------------------

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

    def clear_one(self) -> str | None:
        """Take off one filter: the search, then the drill-down, then the
        advisor, site, status. What was cleared, in words (None: nothing
        was, the date range stays)."""
        if self.clear_search():
            return "search"
        if not self.base.is_empty:
            what = self.base_label or "drill-down"
            self.base, self.base_label = Filters(), ""
            self._changed()
            return what
        for key, _, name, *_ in PICKERS:
            if self.picked.get(key):
                self.pick(key, ())
                return name
        return None

    def clear_all(self) -> bool:
        """Every filter but the date range; False if none was in force."""
        cleared = False
        while self.clear_one() is not None:
            cleared = True
        return cleared

    def drill(self, label: str = "", **kw: Any) -> None:
        """Set the filters from elsewhere (Contacts → Messages of a visitor,
        a report's row → its chats): the drill's advisor, site, status and
        dates go into the banner's choices, the rest is written on its
        second line. The previous drill-down and search go."""
        if self.with_search:
            self.query_one("#fb-search", Input).value = ""
        rest: dict[str, Any] = {}
        for key, many, *_ in PICKERS:
            one = kw.pop(key, None)
            values = tuple(kw.pop(many, ()) or ()) if one is None else (one,)
            if key not in self.keys:
                if values:  # no choice of its own here: kept, and written out
                    rest[many] = values
                continue
            known = self.names.get(key, {})
            self.picked[key] = tuple(v for v in values if v in known)
            unknown = tuple(v for v in values if v not in known)
            if unknown:  # not among the choices: kept, and written out
                rest[many] = unknown
            self._show_picked(key)
        since, until = kw.pop("since", None), kw.pop("until", None)
        if since is not None or until is not None:
            self.preset = "custom"
            self._show_range()
            self.set_class(True, "custom")
            self.build_second_line()
            self.query_one("#fb-from", Input).value = _text(since)
            self.query_one("#fb-to", Input).value = _text(until)
        rest.update(kw)
        self.base = Filters(**rest)
        self.base_label = label or _describe(rest)
        self._changed()

    # -- what is in force ----------------------------------------------------------------

    def _compute(self) -> Filters:
        since: Bound = None
        until: Bound = None
        self.error = ""
        if self.preset == "custom" and self.is_mounted:
            since = self._bound("#fb-from", "from")
            until = self._bound("#fb-to", "to")
        elif self.preset not in ("custom", "all"):
            since, until = timerange.preset(self.preset, self.tz)
        f = self.base.replace(since=since, until=until)
        for key, many, *_ in PICKERS:  # one value: the single field (`agent_id`), more: the list
            values = tuple(dict.fromkeys((*f.values(key), *self.picked.get(key, ()))))
            one = values[0] if len(values) == 1 else None
            f = f.replace(**{key: one, many: values if len(values) > 1 else ()})
        if self.is_mounted and self.with_search:
            q = self.query_one("#fb-search", Input).value.strip()
            f = f.replace(q=q or None)
        return f

    def _bound(self, sel: str, which: str) -> Bound:
        self.build_second_line()
        box = self.query_one(sel, Input)
        try:
            value = parse_bound(box.value, self.tz)
        except ValueError:
            box.add_class("-invalid")
            self.error = f"{which}: {box.value.strip()!r} is not a date (YYYY-MM-DD [HH:MM])"
            return None
        box.remove_class("-invalid")
        return value

    def _changed(self) -> None:
        new = self._compute()
        self._show_more()
        if self.error:  # an invalid date never widens the range: wait for a valid one
            return
        if new != self.filters:
            self.filters = new
            self.post_message(self.Changed(self, new))

    def _show_more(self) -> None:
        """The second line: the custom dates, the drill-down, an error."""
        if not self.is_mounted:
            return
        t = Text()
        if self.error:
            t.append(self.error, style="bold red")
        elif not self.base.is_empty:
            t.append(" only ", style="dim")
            t.append(self.base_label or "drill-down", style="bold reverse")
            t.append("  escape on the list clears it", style="dim")
        more = self.preset == "custom" or bool(t.plain)
        if more:
            self.build_second_line()
        if self.second_line_built:
            self.query_one("#fb-drill", Static).update(t)
        self.set_class(more, "more")

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


def _text(value: object) -> str:
    if isinstance(value, date):
        return bound_text(value)
    return "" if value is None else str(value)


def _describe(drill: dict[str, Any]) -> str:
    words = {
        "visitor_id": "visitor id",
        "agent_ids": "advisor id",
        "site_ids": "site id",
        "statuses": "status",
    }

    def value(v: Any) -> str:
        return ", ".join(map(str, v)) if isinstance(v, tuple | list) else str(v)

    return " · ".join(
        f"{words.get(k, k)} {value(v)}" for k, v in drill.items() if v is not None and v != ()
    )
