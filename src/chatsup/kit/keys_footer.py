"""Textual's Footer, rebuilt once for a burst of binding changes.

Textual's `Footer` recomposes (every key widget built again, ~25 ms of CPU
for the console's keys) each time the screen says its bindings changed, and
a start says so three times in one frame: the screen shown, the focus set,
and the focus's own refresh after that frame. Here a change asks for a
recompose only when none is waiting, and the one asked for runs after the
refresh callbacks of that frame (`call_later` from `call_after_refresh`);
it reads the bindings as they are then, so what is drawn is the same
(issue 14, P7)."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    def __init__(self, *children: Any, **kw: Any) -> None:
        super().__init__(*children, **kw)
        self.recompose_due = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self.recompose_due:
            return
        if self.is_attached and screen is self.screen:
            self.recompose_due = True
            self.call_after_refresh(self.call_later, self._recompose_now)

    async def _recompose_now(self) -> None:
        self.recompose_due = False  # a change from here on asks again
        await self.recompose()
