"""Textual's Select, whose mount tolerates being taken down meanwhile.

A Select taken down while it mounts (the app closing as a tab is built:
the console builds its other tabs PRELOAD_AFTER_S after connecting) gets
its Mount after some or all of its parts are gone, and Textual's
`_on_mount` then raises NoMatches (for its overlay, or its current value's
label): the app ends with an error instead of quietly
(tests/tui/test_safe_select.py). Textual guards its own `_watch_expanded`
the same way ("the widget has likely been removed"). Outside a teardown
the error is raised as before."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Select as TextualSelect

T = TypeVar("T")


class Select(TextualSelect[T]):
    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # the handlers below in the MRO run here, guarded
        Widget._on_mount(self, event)
        try:
            TextualSelect._on_mount(self, event)
        except NoMatches:
            if not self._taken_down():
                raise

    def _taken_down(self) -> bool:
        """The app is closing (no longer running) or this Select left it."""
        return not self.app.is_running or not self.is_attached or self._closing
