"""A summary of figures over a list or a report: each part ("calls 11",
"57 chats") stays whole, and the parts take as many lines as the width
needs (two at 80 columns rather than one cut at its end). A part wider than
the whole line, such as an error, wraps as text does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.widgets import Static


def lay_out(parts: Sequence[Text], width: int, sep: str) -> list[Text]:
    """The parts on lines of at most `width` cells, `sep` between two parts
    on one line; a part never split but where it alone is wider than a line."""
    lines: list[Text] = []
    line = Text()
    for part in parts:
        if line.cell_len and line.cell_len + len(sep) + part.cell_len <= width:
            line.append(sep)
            line.append_text(part)
            continue
        if line.cell_len:
            lines.append(line)
        if part.cell_len <= width:
            line = part.copy()
            continue
        chunks = part.wrap(_CONSOLE, max(1, width))
        lines.extend(chunks[:-1])
        line = chunks[-1] if len(chunks) else Text()
    if line.cell_len or not lines:
        lines.append(line)
    return lines


class Summary(Static):
    """A Static whose content is parts laid out for its width."""

    DEFAULT_CSS = "Summary { height: auto; background: $primary-background; }"

    def __init__(self, *, sep: str = " · ", **kw: Any) -> None:
        super().__init__("", **kw)
        self.sep = sep
        self.parts: list[Text] = []

    def show(self, parts: Sequence[Text], style: str = "") -> None:
        self.parts = [p.copy() for p in parts]
        for p in self.parts:  # under each part's own styles
            p.style = f"{style} {p.style}".strip() if style else p.style
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Text]:
        return lay_out(self.parts, width, self.sep)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.content_region.width or self.app.size.width))


def _console() -> Any:
    from rich.console import Console

    return Console(width=200, color_system=None, force_terminal=False)


_CONSOLE = _console()
