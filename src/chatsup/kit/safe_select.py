"""Textual's Select, whose mount tolerates having been taken down first.

A Select taken down while it mounts (the app closing as a tab is built:
the console builds its other tabs PRELOAD_AFTER_S after connecting) gets
its Mount after its children are gone, and Textual's `_on_mount` then
raises NoMatches for its overlay: the app ends with an error instead of
quietly (tests/tui/test_safe_select.py). Textual guards its own
`_watch_expanded` the same way ("the widget has likely been removed")."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.widgets import Select as TextualSelect

T = TypeVar("T")


class Select(TextualSelect[T]):
    def _on_mount(self, event: events.Mount) -> None:
        if not self.children:  # taken down before it mounted: nothing to set up
            event.prevent_default()  # (Textual's _on_mount, next in the MRO, is skipped)
