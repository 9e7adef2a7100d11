"""`?`: the keys, everywhere and per tab."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = [
    (
        "Everywhere",
        [
            ("1…6", "Messages · Offline · Calls · Visitors · Contacts · Monitoring"),
            ("/", "search"),
            ("escape", "clear search / back"),
            ("e", "export what the filters select"),
            ("r", "reload"),
            ("ctrl+p", "command palette"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
    (
        "Messages",
        [
            ("enter", "session details"),
            ("v", "transcript"),
            ("m", "mail transcript"),
            ("p", "visitor profile"),
            ("t", "live tail, company-wide"),
            ("T", "live tail of this chat"),
        ],
    ),
    ("Offline", [("enter", "read"), ("o", "switch offline messages on/off for a site")]),
    ("Calls", [("enter", "session details of the caller")]),
    ("Visitors", [("enter", "session details"), ("+ / p", "fill in the profile")]),
    (
        "Contacts",
        [
            ("v", "visitor"),
            ("c", "chats of this visitor"),
            ("p", "edit"),
            ("d", "delete (confirmed)"),
        ],
    ),
    (
        "Monitoring",
        [
            (
                "d m v a i w",
                "Daily · Monthly · Visitor stats · Agent stats · Interactions · weekday×hour",
            ),
            ("[ / ]", "previous / next report"),
            ("enter", "visitors behind a day, month, site or advisor"),
            ("c", "chats behind a day, month or advisor"),
            ("b", "by day/hour (Interactions), breakdown (Visitor stats)"),
            ("e", "CSV/JSONL of Daily or Monthly"),
        ],
    ),
    (
        "Session details",
        [
            ("enter", "transcript"),
            ("m", "mail transcript"),
            ("p", "edit profile"),
            ("escape", "back"),
        ],
    ),
    ("Profile form", [("tab", "next field"), ("ctrl+s", "save"), ("escape", "cancel")]),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        t = Text()
        for section, keys in HELP:
            t.append(f"{section}\n", style="bold")
            for k, what in keys:
                t.append(f"  {k:>10}  ", style="cyan")
                t.append(f"{what}\n")
        with VerticalScroll(classes="dialog wide"):
            yield Static(t)
