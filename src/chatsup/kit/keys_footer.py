"""Textual's Footer, rebuilt once for a burst of binding changes.

Textual's `Footer` recomposes (every key widget built again, ~25 ms of CPU
for the console's keys) each time the screen says its bindings changed, and
a start says so three times in one frame: the screen shown, the focus set,
and the focus's own refresh after that frame. Here a change asks for a
recompose only when none is waiting, and the one asked for runs after the
refresh callbacks of that frame (`call_later` from `call_after_refresh`);
it reads the bindings as they are then, so what is drawn is the same
(issue 14, P7).

At 80 columns a tab's keys may not all fit: those that do not are dropped
by priority, so each tab keeps its own keys and Help and Quit (the help
screen lists every key). `FIRST_TO_GO` are the keys every list has (one
letter, known from the help screen and the banner), dropped in that order;
past them, the tab's own keys from the right; `KEPT` never.

`held`: no keys are drawn until `release()` (the supervisor console holds
them until its first rows are painted: the same keys, ~25 ms of CPU
later, the rows that much sooner)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST_TO_GO = ("export", "filters", "search")  # binding ids, dropped in this order
KEPT = ("help", "quit")


class KeysFooter(Footer):
    def __init__(self, *children: Any, held: bool = False, **kw: Any) -> None:
        super().__init__(*children, **kw)
        self.recompose_due = False
        self.held = held
        self.drawn_for = 0  # the width the keys were chosen for

    def compose(self) -> Iterator[Widget]:
        keys = list(super().compose())
        width = self.size.width or self.app.size.width
        self.drawn_for = width
        ids = {b.action: b.id for _, b, _, _ in self.screen.active_bindings.values() if b.show}
        shown = [k for k in keys if isinstance(k, FooterKey) and not _fixed(k)]
        # the command palette's key (docked right) takes as much as any
        room = width - sum(_width(k) for k in keys if isinstance(k, FooterKey) and k not in shown)
        for key in _drop_order(shown, ids):
            if sum(_width(k) for k in shown) <= room:
                break
            shown.remove(key)
        yield from (k for k in keys if k in shown or _fixed(k))

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self.drawn_for and self._bindings_ready:
            self.bindings_changed(self.screen)

    def release(self) -> None:
        """Draw the keys (the bindings as they are now) if they were held."""
        if self.held:
            self.held = False
            if self.is_attached:
                self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.held:
            return
        self._bindings_ready = True
        if not screen.app.app_focus or self.recompose_due:
            return
        if self.is_attached and screen is self.screen:
            self.recompose_due = True
            self.call_after_refresh(self.call_later, self._recompose_now)

    async def _recompose_now(self) -> None:
        self.recompose_due = False  # a change from here on asks again
        await self.recompose()


def _width(key: FooterKey) -> int:
    """Cells a key takes (Footer's style: " k " then "Label ")."""
    return cell_len(key.key_display) + cell_len(key.description) + 3


def _fixed(w: Widget) -> bool:
    """Not a key that may be dropped (the palette's, a group's label)."""
    return not isinstance(w, FooterKey) or w.has_class("-command-palette")


def _drop_order(shown: list[FooterKey], ids: dict[str, str | None]) -> list[FooterKey]:
    """The keys in the order they go when room is short."""
    rank = {bid: i for i, bid in enumerate(FIRST_TO_GO)}
    first = sorted(
        (k for k in shown if ids.get(k.action) in rank), key=lambda k: rank[ids[k.action] or ""]
    )
    rest = [k for k in reversed(shown) if k not in first and ids.get(k.action) not in KEPT]
    return first + rest
