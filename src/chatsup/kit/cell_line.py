"""A list's body cell drawn as one line of segments, without Rich's generic
pipeline (issue 14, P7).

Textual's DataTable draws every cell through `Styled(Padding(cell))` and
`console.render_lines`: a wrap, a join, two splits into lines and two
crops for a one-line cell already cut to its width. `one_line` gives the
same segments (text, style, meta) for the common cell, a one-line
`rich.text.Text`, with the same Rich rules for the parts that count: the
cut with its ellipsis (`Text.truncate`, cell widths), the styles of the
text's spans (`Text.render`) and the pad measured as Rich measures it.
Anything it does not draw the same way (several lines, tabs, a
justification, an overflow it does not cut) it declines with None, and
the caller draws the cell Textual's way. tests/tui/test_cell_line.py
compares the two segment by segment."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_SEPARATOR = Text("\n")  # what Text.__rich_console__ joins its lines with


def one_line(
    console: Console, cell: Text, width: int, padding: int, pre: Style, post: Style
) -> list[Segment] | None:
    """The segments of `cell` in `width` cells, `padding` blank cells on
    each side, styled `pre + cell style [+ post]` as `Styled(Padding(cell,
    (0, padding)), pre, post)` drawn one line high; None for a cell this
    does not draw the same way."""
    room = width - 2 * padding
    plain = cell.plain
    if (
        room < 1
        or "\n" in plain
        or "\t" in plain
        or cell.justify not in (None, "default")  # Textual's options set none
        or cell.no_wrap is False  # a one-line row sets no_wrap; the cell's own wins
        or cell.end not in ("\n", "")
        or cell.overflow == "ignore"  # None: the options' (none), then Rich's "fold"
    ):
        return None
    line = cell
    if cell_len(plain) > room:  # Text.wrap: a copy (Text.split), cut
        line = cell.copy()
        line.truncate(room, overflow=cell.overflow or "fold")
    if line._spans:  # the styles of overlapping spans, as Text.render stacks them
        text = list(_SEPARATOR.join([line]).render(console))
    elif line.style:  # Text.join makes the base style a span: no span, no segment
        text = [Segment(line.plain, console.get_style(line.style, default=Style.null()))]
        if not line.plain:
            text = []
    else:
        text = [Segment(line.plain)]
    used = sum(segment.cell_length for segment in text)
    if used > room:  # pieces measured wider than the whole: Rich crops them
        return None

    def styled(style: Style | None) -> Style | None:  # Segment.apply_style's rule
        if pre:
            style = pre + style
        if post:
            style = style + post if style else post
        return style

    blank = styled(console.get_style("none"))  # Padding's style, and its pad's
    side = [Segment(" " * padding, blank)] if padding else []
    out = [*side, *(Segment(t, styled(s)) for t, s, _ in text)]
    if used < room:
        out.append(Segment(" " * (room - used), blank))
    out.extend(side)
    return out
