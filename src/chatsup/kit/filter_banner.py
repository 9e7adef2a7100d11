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
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Static

from chatsup.client import Filters
from chatsup.domain import timerange
from chatsup.domain.models import Agent, Site
from chatsup.kit.multi_picker import Choice, MultiPicker, PickerField, label
from chatsup.kit.row_preview import (
    PICKER_WIDTH,
    RANGE_WIDTH,
    SEARCH_MIN,
    SEARCH_PLACEHOLDER,
    RowPreview,
)

if TYPE_CHECKING:  # imported when the first line's widgets are first built
    from textual.widgets import Input

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
    # the first line's widths: its preview draws the same (kit/row_preview.py)
    DEFAULT_CSS = f"""
    FilterBanner {{ height: auto; padding: 0 0; }}
    FilterBanner Horizontal {{ height: 1; }}
    FilterBanner #fb-range {{ width: {RANGE_WIDTH}; }}
    FilterBanner PickerField {{
        width: 1fr; min-width: {PICKER_WIDTH[0]}; max-width: {PICKER_WIDTH[1]};
    }}
    FilterBanner #fb-search {{ width: 1fr; min-width: {SEARCH_MIN}; }}
    FilterBanner #fb-more {{ display: none; }}
    FilterBanner.more #fb-more {{ display: block; }}
    FilterBanner .custom {{ width: 18; display: none; }}
    FilterBanner.custom .custom {{ display: block; }}
    FilterBanner #fb-drill {{ width: 1fr; }}
    FilterBanner Input.-invalid {{ color: $error; }}
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
        row_later: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        # row_later: the first line drawn by a RowPreview (one widget, the
        # same cells) until `build_row` puts its widgets in its place
        self.row_later = row_later
        self.row_built = False  # its widgets made (they may still be mounting)
        self.row_ready = not row_later  # they are mounted, laid out and shown
        self.intent: Callable[[], object] | None = None  # for when they are shown
        self._range: Select[str] | None = None
        self._fields: dict[str, PickerField] = {}
        self._search: Input | None = None
        self._building: tuple[FilterRow, RowPreview] | None = None
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
        if self.row_later:
            yield RowPreview(
                self.labels[self.preset],
                [(key, noun, any_label) for key, _, _, noun, any_label, _ in self._pickers],
                self.with_search,
                id="fb-row-preview",
            )
        else:
            yield self._row()
        if not self.second_line_later:
            self.second_line_built = True
            with Horizontal(id="fb-more"):
                yield from self._second_line()

    @property
    def _pickers(self) -> list[tuple[str, str, str, str, str, str]]:
        return [p for p in PICKERS if p[0] in self.keys]

    def _row(self) -> FilterRow:
        """The first line's widgets, with the filters as they are now."""
        from textual.widgets import Input

        from chatsup.kit.safe_select import Select

        self.row_built = True
        self._range = Select(
            [(v, k) for k, v in self.labels.items()],
            value=self.preset,
            allow_blank=False,
            id="fb-range",
            compact=True,
        )
        self._fields = {
            key: PickerField(key, noun, any_label, self._picked_names(key), id=f"fb-{name}")
            for key, _, name, noun, any_label, _ in self._pickers
        }
        if self.with_search:
            self._search = Input(placeholder=SEARCH_PLACEHOLDER, id="fb-search", compact=True)
        search = [self._search] if self._search is not None else []
        return FilterRow(self._range, *self._fields.values(), *search, id="fb-row")

    def build_row(self) -> None:
        """The first line's widgets in place of its preview, if they were
        left for later and are not built yet. They are mounted under the
        preview (out of the flow, where it is: it covers them) and shown
        once they are mounted and laid out, in the frame that hides it
        (`_swap`): no frame shows a half-built row."""
        previews = self.query(RowPreview)
        if self.row_built or not self.is_attached or not previews:  # (not composed yet)
            return
        preview = previews.first()
        row = self._row()
        row.can_focus_children = False  # the preview keeps the focus (and the keys)
        row.styles.position = "absolute"
        self._building = (row, preview)
        self.mount(row, before=preview)  # (not awaited: the banner takes messages meanwhile)
        self.call_after_refresh(self._swap, row, preview)

    def on_filter_row_resized(self, event: FilterRow.Resized) -> None:
        event.stop()
        if self._building is not None and not self.row_ready:
            self._swap(*self._building)

    def _swap(self, row: FilterRow, preview: RowPreview, tries: int = 10) -> None:
        """The row shown and its preview hidden, in one frame, once the row
        and all its parts are mounted and laid out at the preview's size
        (a condition, never a delay). Until then it is looked at again: when
        the row is resized (laid out: `on_filter_row_resized`), after the
        next refreshes (a layout is due: the row was just mounted), then
        every 50 ms while the row is still mounting (slow: a loaded machine).
        Not while the screen is not in front or the banner not shown: no
        layout comes then, and the row's first one resizes it."""
        if self.row_ready or not preview.is_attached:
            return  # (done, or the banner was taken down meanwhile)
        if not _laid_out(row, preview):
            if self.screen.is_current and self.region.area:
                if tries:
                    self.call_after_refresh(self._swap, row, preview, tries - 1)
                else:
                    self.set_timer(0.05, lambda: self._swap(row, preview, 0))
            return
        self.row_ready = True
        range_select = self._range
        assert range_select is not None
        if range_select.value != self.preset:  # chosen while it mounted (a drill-down)
            range_select.value = self.preset
        row.styles.position = "relative"
        row.can_focus_children = True
        holding = self.screen.focused is preview
        intent, self.intent = self.intent, None
        if holding:  # keys came to the preview: the row's widget takes them
            (intent or self._focus_range)()
        preview.display = False  # the same frame: the row never moves
        if holding and preview.held and self.screen.focused is not preview:
            self.run_worker(_hand_on(self.app, list(preview.held)), group="banner-keys")
        preview.held.clear()
        self._building = None
        preview.remove()

    def _when_shown(self, then: Callable[[], object]) -> None:
        """`then` now if the first line's widgets are shown; else once they
        are, the preview keeping the focus meanwhile (keys are held)."""
        if self.row_ready:
            then()
            return
        previews = self.query(RowPreview)
        if not previews:
            return
        self.intent = then
        self.screen.set_focus(previews.first())
        self.build_row()

    def _focus_range(self) -> None:
        if self._range is not None:
            self.screen.set_focus(self._range)

    def on_row_preview_hovered(self, event: RowPreview.Hovered) -> None:
        event.stop()
        self.build_row()

    def on_row_preview_entered(self, event: RowPreview.Entered) -> None:
        """The preview took the focus (tab, shift+tab, a click): the first
        widget of the line takes it once shown, or the last one backward."""
        event.stop()

        def enter() -> None:
            parts = [self._range, *self._fields.values(), self._search]
            shown = [w for w in parts if w is not None]
            self.screen.set_focus(shown[-1] if event.backward else shown[0])

        if self.intent is None:  # (not the focus `_when_shown` gave it)
            self._when_shown(enter)

    def on_row_preview_clicked(self, event: RowPreview.Clicked) -> None:
        """A click on the preview: what a click there on the real line does."""
        event.stop()
        part = event.part

        def click() -> None:
            if part == "range" and self._range is not None:
                self.screen.set_focus(self._range)
                self._range.action_show_overlay()
            elif part == "search" and self._search is not None:
                self.screen.set_focus(self._search)
            elif part in self._fields:
                self.screen.set_focus(self._fields[part])
                self._fields[part].action_open()

        self._when_shown(click)

    def _show_range(self) -> None:
        """The preset chosen, drawn: by the Select once shown (a Select
        still mounting is given it at the swap: Textual's Select set while
        its parts are being composed draws nothing, or raises), by the
        preview till then."""
        if self.row_ready and self._range is not None:
            self._range.value = self.preset
        for preview in self.query(RowPreview):
            preview.show_range(self.labels[self.preset])

    @staticmethod
    def _second_line() -> list[Widget]:
        from textual.widgets import Input

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

    def field(self, key: str) -> PickerField | None:
        """`key`'s PickerField (None: not built yet, its preview draws it)."""
        return self._fields.get(key)

    def _picked_names(self, key: str) -> list[str]:
        names = self.names.get(key, {})
        return [names.get(v, f"#{v}") for v in self.picked.get(key, ())]

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
        """What `key` picks, drawn: by its field (given it while it mounts
        too), by the preview till the row is shown."""
        if self.is_mounted and key in self.keys:
            names = self._picked_names(key)
            field = self.field(key)
            if field is not None:
                field.show(names)
            for preview in self.query(RowPreview):
                preview.show_picked(key, names)

    # -- focus ---------------------------------------------------------------------

    def focus_search(self) -> None:
        def focus() -> None:
            if self._search is not None:
                self.screen.set_focus(self._search)

        if self.with_search:
            self._when_shown(focus)

    def focus_first(self) -> None:
        self._when_shown(self._focus_range)

    def action_leave(self) -> None:
        self.post_message(self.Leave(self))

    # -- setting and clearing ----------------------------------------------------------

    def clear_search(self) -> bool:
        """Clear the search text; False if there was none."""
        box = self._search
        if box is None or not box.value:
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
        if self._search is not None:
            self._search.value = ""
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
            self._box("#fb-from").value = _text(since)
            self._box("#fb-to").value = _text(until)
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
        if self._search is not None:
            q = self._search.value.strip()
            f = f.replace(q=q or None)
        return f

    def _box(self, sel: str) -> Input:
        from textual.widgets import Input

        return self.query_one(sel, Input)

    def _bound(self, sel: str, which: str) -> Bound:
        self.build_second_line()
        box = self._box(sel)
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
            if not self.row_ready or event.value != event.select.value:
                return  # its first value as it mounts (a drill-down's may be newer), or stale
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


class FilterRow(Horizontal):
    """The banner's first line. It says when it is laid out anew: built
    behind its preview, it is shown once it is (FilterBanner._swap)."""

    class Resized(Message):
        pass

    def on_resize(self) -> None:
        self.post_message(self.Resized())


async def _hand_on(app: App[Any], held: list[events.Key | events.Paste]) -> None:
    """Keys (and pastes) the preview held, to the App as the driver sends
    them, each once the one before has gone all its way: through the App,
    the focused widget and its ancestors (a key not taken bubbles up), and
    the App's bindings at the end. Sent at once, a binding's key (backspace)
    would act after the printable keys behind it (issue 14, P7)."""

    async def passed(node: MessagePump) -> None:
        done = asyncio.Event()
        if node.call_later(done.set):  # after what is in its queue now
            await done.wait()

    for event in held:
        app.post_message(event)
        await passed(app)  # the App has handed it to the focused widget
        for node in (app.focused or app.screen).ancestors_with_self:
            await passed(node)  # (the App last: its bindings)


def _laid_out(row: Widget, preview: Widget) -> bool:
    """The row is mounted and has been laid out at the preview's size, and
    every part of it that is displayed is mounted and has been given room
    (its size is set by a layout)."""

    def placed(widget: Widget) -> bool:
        return all(
            c.is_mounted and c.size.area > 0 and placed(c) for c in widget.children if c.display
        )

    return row.is_mounted and preview.size.area > 0 and row.size == preview.size and placed(row)


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
