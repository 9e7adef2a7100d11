"""`?`: the keys that work where the focus is, built from the live bindings
(after `[console.keys]` remapped them), so the help never drifts from the
footer. One section per widget or screen that holds bindings, the
app-wide ones last."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Section = tuple[str, list[tuple[str, str]]]


def section_name(node: object) -> str:
    """`MessagesTab` → `Messages tab`; the app → `Everywhere`."""
    if isinstance(node, App):
        return "Everywhere"
    title = getattr(node, "HELP_TITLE", "") or getattr(node, "TITLE", "") or ""
    name = type(node).__name__
    for suffix, word in (("Tab", " tab"), ("Screen", ""), ("View", " report")):
        if name.endswith(suffix):
            return (title or name[: -len(suffix)] or "This screen") + word
    return title or name


def live_sections(app: App[Any]) -> list[Section]:
    """Every binding active on the current screen (the focused widget and its
    ancestors, the screen, the app), grouped by where it is bound."""
    groups: dict[int, Section] = {}
    order: list[int] = []
    for key, active in app.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        node = active.node
        if id(node) not in groups:
            groups[id(node)] = (section_name(node), [])
            order.append(id(node))
        shown = app.get_key_display(Binding(key, binding.action))
        what = binding.tooltip or binding.description
        if not active.enabled:
            what += " (not here)"
        groups[id(node)][1].append((shown, what))
    # where the user is first (the tab, the screen), then the widget's own
    # movement keys, the app-wide ones last
    kinds = {id(a.node): _rank(a.node) for a in app.active_bindings.values()}
    nodes = sorted(order, key=lambda n: kinds.get(n, 0))
    return [groups[n] for n in nodes]


def _rank(node: object) -> int:
    if isinstance(node, App):
        return 2
    return 1 if getattr(node, "HELP_TITLE", "") == "List" else 0


def help_text(sections: list[Section]) -> Text:
    t = Text()
    t.append("Keys", style="bold reverse")
    t.append("  escape or ? closes · keys are remappable under [console.keys]\n\n", style="dim")
    for name, keys in sections:
        t.append(f"{name}\n", style="bold")
        for key, what in keys:
            t.append(f"  {key:>12}  ", style="cyan")
            t.append(f"{what}\n")
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(help_text(self.sections), id="help-body")
