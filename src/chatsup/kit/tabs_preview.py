"""A tab bar's look in one widget, until the tab bar itself is built.

Textual's tab bar (`ContentTabs`) for six tabs is eleven widgets (the bar,
three containers, a `Tab` each and the underline): ~17 % of the console's
run from `App.run` to its first rows (issue 14, P7; BENCHMARKS.md, sixth
round). `LazyTabbedContent` (kit/lazy_tabs.py)
draws this in its place in the first frame, the same cells in the same
colours (tests/tui/test_tabs_preview.py compares them), and builds the real
bar right after the frame with the first rows, or at once when something
needs it: a tab chosen, a click, the focus, the mouse over it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.renderables.bar import Bar
from textual.strip import Strip
from textual.widget import Widget


class TabsPreview(Widget, can_focus=True):
    """What Textual's `Tabs` draws with `tabs` (pane id, label) and `active`
    chosen: a row of labels, each padded by one cell, then the underline
    with the active label's span lit (textual.widgets._tabs: Tab's and
    Underline's colours, the focused bar's too)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tabs-preview--tab",
        "tabs-preview--active",
        "tabs-preview--bar",
    }
    DEFAULT_CSS = """
    TabsPreview {
        dock: top;  /* as TabbedContent docks its ContentTabs */
        width: 100%;
        height: 2;
        & > .tabs-preview--tab { color: $foreground 50%; }
        & > .tabs-preview--active { color: $foreground; }
        & > .tabs-preview--bar {
            color: $block-cursor-background;
            background: $foreground 10%;
        }
        &:ansi {
            & > .tabs-preview--tab { text-style: dim; }
            & > .tabs-preview--active { text-style: not dim bold; }
            & > .tabs-preview--bar {
                color: $block-cursor-background;
                background: $border-blurred;
            }
        }
        &:focus {
            & > .tabs-preview--bar { background: $foreground 30%; }
            & > .tabs-preview--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous tab", show=False),
        Binding("right", "move(1)", "Next tab", show=False),
    ]

    class Wanted(Message):
        """The real tab bar is needed now (the focus, the mouse)."""

    class Chosen(Message):
        """A tab clicked, or moved to with left/right: `pane` (its id)."""

        def __init__(self, pane: str) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, tabs: list[tuple[str, str]], active: str, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.tabs = tabs
        self.active = active

    def show(self, active: str) -> None:
        self.active = active
        self.refresh()

    def spans(self) -> list[tuple[str, int, int]]:
        """Each tab's pane id and the cells it takes, padding included."""
        out, x = [], 0
        for pane, label in self.tabs:
            width = cell_len(label) + 2
            out.append((pane, x, x + width))
            x += width
        return out

    def lit(self) -> tuple[int, int]:
        """The underline's lit cells (start, end exclusive): under the
        active tab's label, its padding left out, as Textual's `Tabs`
        places its `Underline` (the tab's region less its gutter)."""
        return next(((s + 1, e - 1) for p, s, e in self.spans() if p == self.active), (0, 0))

    def pane_at(self, x: int) -> str | None:
        return next((pane for pane, start, end in self.spans() if start <= x < end), None)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y > 1 or not width:
            return Strip.blank(width, self.rich_style)
        base = Style(bgcolor=self.rich_style.bgcolor)
        if y == 1:
            bar = self.get_component_rich_style("tabs-preview--bar")
            lit = Bar(self.lit(), Style.from_color(bar.color), Style.from_color(bar.bgcolor))
            lines = self.app.console.render_lines(
                lit, self.app.console.options.update_width(width), style=base, pad=False
            )
            return Strip(lines[0], width).adjust_cell_length(width, base)
        segments = []
        for pane, label in self.tabs:
            kind = "active" if pane == self.active else "tab"
            style = self.get_component_rich_style(f"tabs-preview--{kind}")
            # the padding in the tab's background (the focused bar's active tab's)
            pad = Style(bgcolor=style.bgcolor) if style.bgcolor else base
            segments += [Segment(" ", pad), Segment(label, style), Segment(" ", pad)]
        return Strip(segments).adjust_cell_length(width, base).crop(0, width)

    def on_focus(self) -> None:
        self.post_message(self.Wanted())

    def on_enter(self, event: events.Enter) -> None:
        self.post_message(self.Wanted())

    def on_click(self, event: events.Click) -> None:
        event.stop()
        pane = self.pane_at(event.x)
        if pane is not None:
            self.post_message(self.Chosen(pane))

    def action_move(self, step: int) -> None:
        panes = [pane for pane, _ in self.tabs]
        if self.active in panes:
            self.post_message(self.Chosen(panes[(panes.index(self.active) + step) % len(panes)]))
