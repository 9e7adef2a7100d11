"""The cyclic garbage collector paused while the console starts (issue 14, P7).

A start allocates a few hundred thousand objects that live as long as the
process (modules, classes, the styles and widgets of the first frame), and
the collector walks them again and again while they are being made: ~200
young, ~17 middle and one full collection before the first rows, 40-55 ms
of CPU that free next to nothing. `chatsup` (the console command) calls
`pause()` before it imports the console; the app calls `resume()` when its
start is over (ChatsupApp.started: the first rows painted, the sign-in or
failure screen up, or `START_CAP_S` passed). `resume()` freezes what the
start made (moved out of the collector's sight, as `gc.freeze` does for a
server before it forks: they are not garbage and would otherwise all be
walked by the first collections after the start) and turns the collector
back on.

Nothing here runs unless `pause()` was called: tests and other programs
that import the console keep their collector as it was."""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off until `resume()` (if it was on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """The collector back on, if `pause()` turned it off; else nothing."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    return _paused
