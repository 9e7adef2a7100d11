"""A compact Select's look in one widget, until the Select itself is built.

Textual's Select is six widgets (its current value, the label and two
arrows, the popup list with every option set up at mount): ~4 % of the
console's start (issue 14, P7). The filter banner draws this in its place in
the first frame, the same cells in the same colours (tests/tui/test_start.py
compares them), and builds the Select right after the frame with the first
rows, or at once when something needs it sooner (FilterBanner.build_range).
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget


class SelectPreview(Widget):
    """What a compact Select with `label` chosen draws: the label, then `▼`
    one cell from the right edge (textual.widgets._select: SelectCurrent's
    colours, its label's and its arrow's)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"select-preview--label", "select-preview--arrow"}
    DEFAULT_CSS = """
    SelectPreview {
        height: 1;
        color: $foreground;
        background: $surface;
        & > .select-preview--label { color: $foreground; }
        & > .select-preview--arrow { color: $foreground 50%; }
        &:ansi { color: ansi_default; background: ansi_default; }
    }
    """

    class Clicked(Message):
        """A click on it: the owner builds the Select and opens it."""

    def __init__(self, label: str, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.label = label

    def show(self, label: str) -> None:
        self.label = label
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y or not width:
            return Strip.blank(width, self.rich_style)
        room = max(0, width - 3)  # " ▼ ": the arrow, padded as the Select's
        label = self.label[:room]
        pad = Style(bgcolor=self.rich_style.bgcolor)  # padding: no colour of its own
        return Strip(
            [
                Segment(label, self.get_component_rich_style("select-preview--label")),
                Segment(" " * (room - len(label) + 1), pad),
                Segment("▼", self.get_component_rich_style("select-preview--arrow")),
                Segment(" ", pad),
            ],
            width,
        )

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())
