"""`?`: the keys that work where the focus is, built from the live bindings
(after `[console.keys]` remapped them), so the help never drifts from the
footer. One section per widget or screen that holds bindings, the
app-wide ones last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
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


def palette_commands(view: Widget) -> Iterator[SystemCommand]:
    """The command palette's entries for the tab in front: every action bound
    in it (the tab, the report shown, their tables) that works there, and
    `Clear filters` where it has a banner."""
    app = view.app
    seen: set[str] = set()
    # the tab and the views inside it that are shown (a report sub-tab)
    nodes = [view, *(n for n in view.query("*") if getattr(n, "TITLE", ""))]
    for node in nodes:
        if node is not view and (not node.display or node.region.area == 0):
            continue  # a sub-tab not shown
        bound = [b for bs in node._bindings.key_to_bindings.values() for b in bs]
        for b in bound:  # as remapped by [console.keys]
            if not b.description or b.action in seen:
                continue
            if b.action.startswith(("cursor_", "scroll_", "select_", "page_")):
                continue  # movement: keys, not commands
            if node.check_action(b.action.split("(")[0], ()) is False:
                continue
            seen.add(b.action)
            key = app.get_key_display(b)
            yield SystemCommand(
                f"{b.description}", f"{section_name(node)} · key {key}", _runner(node, b.action)
            )
    if hasattr(view, "action_clear_filters"):
        yield SystemCommand(
            "Clear filters",
            "Search, drill-down, advisor, site and status (the date range stays)",
            _runner(view, "clear_filters"),
        )


def _runner(node: Widget, action: str) -> Any:
    def run() -> None:
        node.app.call_later(node.run_action, action)

    return run


class HelpScreen(ModalScreen[None]):
    """Titled, says how it closes, and scrolls with the arrows at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        box = VerticalScroll(classes="dialog wide", id="help-scroll")
        box.border_title = "Help: keys"
        box.border_subtitle = "escape or ? closes · ↑ ↓ pgup pgdn scroll"
        with box:
            yield Static(help_text(self.sections), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
