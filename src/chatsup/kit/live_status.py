"""What the live connection's state looks like on both consoles' top line."""

from __future__ import annotations

from rich.text import Text

LIVE_STYLE: dict[str, tuple[str, str]] = {
    "live": ("● live", "green"),
    "reconnecting": ("◌ reconnecting…", "yellow"),
    "offline": ("○ offline", "red"),
    "connecting": ("◌ connecting…", "yellow"),
}


def live_label(state: str, *, offline: str = "offline") -> Text:
    """The state as a coloured label; `offline` names the lost state."""
    label, style = LIVE_STYLE.get(state, (state, ""))
    if state == "offline":
        label = f"○ {offline}"
    return Text(label, style=style)
