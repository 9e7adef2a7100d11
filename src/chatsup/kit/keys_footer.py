"""Textual's Footer, rebuilt once for a burst of binding changes.

Textual's `Footer` recomposes (every key widget built again, ~25 ms of CPU
for the console's keys) each time the screen says its bindings changed, and
a start says so three times in one frame: the screen shown, the focus set,
and the focus's own refresh after that frame. Here a change asks for a
recompose only when none is waiting, and the one asked for runs after the
refresh callbacks of that frame (`call_later` from `call_after_refresh`);
it reads the bindings as they are then, so what is drawn is the same
(issue 14, P7).

`held`: no keys are drawn until `release()` (the supervisor console holds
them until its first rows are painted: the same keys, ~25 ms of CPU
later, the rows that much sooner)."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    def __init__(self, *children: Any, held: bool = False, **kw: Any) -> None:
        super().__init__(*children, **kw)
        self.recompose_due = False
        self.held = held

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
