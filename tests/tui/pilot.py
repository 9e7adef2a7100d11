"""What the pilot tests of both consoles share: waiting for a condition, a
driver that records what an app writes to the terminal, and the check that
nothing in it came from a visitor."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import textual.drivers.headless_driver as hd

# Visitor text that tries to reach the supervisor's terminal.
PAYLOADS = [
    "\x1b]0;PWNED\x07",
    "\x1b]52;c;SGVsbG8=\x07",
    "\x1b[2J",
    "\x9b31m",
    "[/]",
    "[@click=app.quit]x[/]",
    "\x1bP1$qm\x1b\\",  # DCS
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "abc\rOVERWRITE",
    "\u202eevil\u202c",
    "line\u2028sep\u2029para",  # line and paragraph separators
]

# What the app itself writes: CSI sequences for colour, cursor moves and the
# private modes Textual sets, and its pointer-shape OSC 22. Anything else
# with ESC, BEL or a C1 byte is not ours.
OWN = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\]22;[a-z-]+\x07")


async def until(pilot: Any, cond: Callable[[], Any], timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if cond():
            return
        await pilot.pause(0.05)
    app = pilot.app
    raise AssertionError(
        f"condition not met in time (screen {app.screen!r}, focus {app.focused!r})"
    )


class RecordingDriver(hd.HeadlessDriver):
    """Headless for input, but keeps every byte the app writes to the terminal
    (the pilot's own headless driver writes nothing)."""

    output: ClassVar[list[str]] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        RecordingDriver.output.append(data)


def foreign_controls(output: str) -> list[str]:
    rest = OWN.sub("", output)
    return sorted({m.group() for m in re.finditer(r"[\x1b\x07\x80-\x9f\u2028\u2029].{0,12}", rest)})


def screen_text(app: Any) -> str:
    """Every line the terminal shows (the composited frame), as text."""
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


def drawn_rows(table: Any) -> list[list[str]]:
    """A DataTable's cells as the screen shows them: the composited frame
    (what reaches the terminal) cut to the table's region and at its column
    widths; the header, then the rows in view."""
    strips = table.screen._compositor.render_strips()
    region = table.region
    widths = [c.get_render_width(table) for c in table.ordered_columns]
    rows = []
    shown = 1 + min(table.row_count, region.height - 1)  # header (one line), rows in view
    for y in range(region.y, region.y + shown):
        text = strips[y].text[region.x : region.right]
        cells, x = [], 0
        for w in widths:
            cells.append(text[x : x + w].strip())
            x += w
        rows.append(cells)  # a blank line stays: a row drawn empty is a row drawn wrong
    return rows
