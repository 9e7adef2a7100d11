"""The filter banner's first line in one widget, until its widgets are built.

The line is the date range (a compact Select: six widgets), a PickerField
for each of advisors, sites and statuses, and the search box (an Input,
whose module loads with it): ten widgets and their row. The front list's
banner draws this in their place in the first frame, the same cells in the
same colours (tests/tui/test_row_preview.py compares them), and builds the
row right after the frame with the first rows, or at once when something
needs it sooner (FilterBanner.build_row): a key that goes to the banner, a
click, the focus, the mouse over it. Keys that come while the row is being
built are held here and handed to the widget that takes the focus when the
row is shown (issue 14, P7: −3.1 % of the instructions to the first rows,
1,825 M → 1,767 M; the banner's first line composed empty: 1,745 M).

`row_layout` is where the row's widths are set: the banner's CSS is made
from the same numbers, and the spans are Textual's horizontal layout's.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import floor
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from chatsup.kit.multi_picker import PickerField, field_text

RANGE_WIDTH = 18  # the date range's Select
PICKER_WIDTH = (12, 32)  # each PickerField: 1fr, at least, at most
SEARCH_MIN = 10  # the search box: 1fr, at least
SEARCH_PLACEHOLDER = "/ search"

Span = tuple[int, int]  # x, width


def row_layout(width: int, pickers: int, search: bool) -> list[Span]:
    """Where Textual's horizontal layout puts the date range, `pickers`
    PickerFields and the search box (if `search`) in a row `width` cells
    wide: the range fixed, the others 1fr each within their bounds (one fr
    found as textual._resolve.resolve_fraction_unit finds it, each box
    clamped as Widget._get_box_model clamps it, the offsets floored as
    HorizontalLayout floors them)."""
    bounds: list[tuple[int, int | None]] = [PICKER_WIDTH] * pickers
    if search:
        bounds.append((SEARCH_MIN, None))
    unit = _fraction_unit(Fraction(max(0, width - RANGE_WIDTH)), bounds)
    sizes = [Fraction(RANGE_WIDTH)]
    for low, high in bounds:
        size = max(unit, Fraction(low))
        sizes.append(max(Fraction(0), size if high is None else min(size, Fraction(high))))
    spans, x = [], Fraction(0)
    for size in sizes:
        end = x + size
        spans.append((floor(x), floor(end - floor(x))))
        x = end
    return spans


def _fraction_unit(space: Fraction, bounds: Sequence[tuple[int, int | None]]) -> Fraction:
    """The width of 1fr when boxes of 1fr each share `space`, each within
    its (min, max): a box its bound holds is taken out and the rest share
    what is left, until none is (Textual's loop, one pass at a time)."""
    if not space or not bounds:
        return Fraction(1)
    initial = space
    resolved: list[bool] = [False] * len(bounds)
    fractions = Fraction(len(bounds))
    while fractions > 0:
        changed = False
        unit = space / fractions
        for i, (low, high) in enumerate(bounds):
            if resolved[i]:
                continue
            held = low if unit < low else high if high is not None and unit > high else None
            if held is not None:
                space -= held
                fractions -= 1
                resolved[i] = True
                changed = True
        if not changed:
            break
    return space / fractions if fractions > 0 else initial


class RowPreview(Widget, can_focus=True):
    """What the banner's first line draws: the date range as a compact
    Select with `range_label` chosen (textual.widgets._select: SelectCurrent's
    colours, its label's and its arrow's), a PickerField for each of
    `pickers` (filter key, noun, any-label) and an empty compact Input
    (textual.widgets._input: its colours and its placeholder's)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-preview--range",
        "row-preview--range-label",
        "row-preview--range-arrow",
        "row-preview--picked",
        "row-preview--search",
        "row-preview--placeholder",
    }
    DEFAULT_CSS = """
    RowPreview {
        height: 1;
        & > .row-preview--range { color: $foreground; background: $surface; }
        & > .row-preview--range-label { color: $foreground; background: $surface; }
        & > .row-preview--range-arrow { color: $foreground 50%; background: $surface; }
        & > .row-preview--picked { text-style: bold; }
        & > .row-preview--search { color: $foreground; background: $surface; }
        & > .row-preview--placeholder { color: $text-disabled; background: $surface; }
        &:ansi {
            & > .row-preview--range { color: ansi_default; background: ansi_default; }
            & > .row-preview--range-label { background: ansi_default; }
            & > .row-preview--range-arrow { background: ansi_default; }
            & > .row-preview--search { color: ansi_default; background: ansi_default; }
            & > .row-preview--placeholder {
                color: ansi_default; background: ansi_default; text-style: dim;
            }
        }
    }
    """

    class Clicked(Message):
        """A click on one of its parts ("range", a filter key, "search")."""

        def __init__(self, part: str) -> None:
            super().__init__()
            self.part = part

    class Entered(Message):
        """It took the focus (tab, shift+tab): `backward` when it came from
        a widget after it in the focus chain."""

        def __init__(self, backward: bool) -> None:
            super().__init__()
            self.backward = backward

    class Hovered(Message):
        """The mouse is over it."""

    def __init__(
        self,
        range_label: str,
        pickers: Sequence[tuple[str, str, str]],
        search: bool,
        **kw: object,
    ) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.range_label = range_label
        self.pickers = list(pickers)
        self.picked: dict[str, list[str]] = {}
        self.search = search
        self.came_from: Widget | None = None  # what had the focus before it
        self.held: list[events.Key | events.Paste] = []  # see `on_key`

    # -- what it shows -----------------------------------------------------------

    def show_range(self, label: str) -> None:
        self.range_label = label
        self.refresh()

    def show_picked(self, key: str, names: Sequence[str]) -> None:
        self.picked[key] = list(names)
        self.refresh()

    @property
    def parts(self) -> list[tuple[str, Span]]:
        """Each part's name ("range", a filter key, "search") and span."""
        names = ["range", *(key for key, _, _ in self.pickers)] + (
            ["search"] if self.search else []
        )
        return list(
            zip(names, row_layout(self.size.width, len(self.pickers), self.search), strict=True)
        )

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y or not width:
            return Strip.blank(width, self.rich_style)
        segments: list[Segment] = []
        nouns = {key: (noun, any_label) for key, noun, any_label in self.pickers}
        for part, (_, size) in self.parts:
            if part == "range":
                segments += self._range(size)
            elif part == "search":
                segments += self._search(size)
            else:
                segments += self._picker(size, *nouns[part], self.picked.get(part, []))
        empty = Style(bgcolor=self.rich_style.bgcolor)  # right of the last part, if room
        return Strip(segments).crop_extend(0, width, empty)

    def _range(self, size: int) -> list[Segment]:
        """A compact Select: the label, then `▼` one cell from the right."""
        room = max(0, size - 3)  # " ▼ ": the arrow, padded as the Select's
        label = self.range_label[:room]
        pad = Style(bgcolor=self.get_component_rich_style("row-preview--range").bgcolor)
        return [
            Segment(label, self.get_component_rich_style("row-preview--range-label")),
            Segment(" " * (room - len(label) + 1), pad),
            Segment("▼", self.get_component_rich_style("row-preview--range-arrow")),
            Segment(" ", pad),
        ][: 4 if size >= 3 else 0]

    def _picker(self, size: int, noun: str, any_label: str, names: list[str]) -> list[Segment]:
        pad = PickerField.PADDING
        style = self.rich_style
        if names:
            style += self.get_component_rich_style("row-preview--picked", partial=True)
        text = field_text(noun, any_label, names, size - 2 * pad)
        inner = Strip([Segment(text, style)]).crop_extend(0, max(0, size - 2 * pad), style)
        blank = Style(bgcolor=style.bgcolor)
        return [Segment(" " * pad, blank), *inner, Segment(" " * pad, blank)]

    def _search(self, size: int) -> list[Segment]:
        """An empty compact Input, not focused: its placeholder."""
        base = self.get_component_rich_style("row-preview--search")
        text = SEARCH_PLACEHOLDER[:size]
        return [
            Segment(text, self.get_component_rich_style("row-preview--placeholder")),
            Segment(" " * (size - len(text)), base),
        ]

    # -- what comes to it --------------------------------------------------------

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved, init=False)

    def _focus_moved(self, old: Widget | None, new: Widget | None) -> None:
        if new is self:
            self.came_from = old

    def on_focus(self) -> None:
        came_from, chain = self.came_from, self.screen.focus_chain
        backward = came_from in chain and chain.index(came_from) > chain.index(self)
        self.post_message(self.Entered(backward))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        for part, (x, size) in self.parts:
            if x <= event.x < x + size:
                self.post_message(self.Clicked(part))
                return

    def on_enter(self, event: events.Enter) -> None:
        self.post_message(self.Hovered())

    def on_key(self, event: events.Key) -> None:
        """Keys while it has the focus (the row being built): held, and
        handed on once the row is shown (FilterBanner.build_row)."""
        event.stop()
        event.prevent_default()
        self.held.append(events.Key(event.key, event.character))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.held.append(events.Paste(event.text))
