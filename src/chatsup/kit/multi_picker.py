"""Several values for one filter: the banner's field that shows the choice
compactly ("Advisors: Ana, Bo +2", cut to the width it has) and the popup
that picks them (a SelectionList: `space` picks, `enter` applies, `escape`
cancels; none picked means any)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Static

from chatsup.kit import render as r

if TYPE_CHECKING:  # the popup's list loads when a popup first opens
    from textual.widgets import SelectionList

Choice = tuple[Text, Any]  # (label, value)


def compact(noun: str, any_label: str, names: Sequence[str], width: int) -> str:
    """`names` in `width` cells: `Advisors: Ana, Bo +2`; without room for
    the noun, `Ana, Bo +2`; a name too long for the room is cut with `…`.
    None picked: `any_label`."""
    if not names:
        return any_label[:width] if width > 0 else ""
    for prefix in (f"{noun}: ", ""):
        for shown in range(len(names), 0, -1):
            rest = len(names) - shown
            text = prefix + ", ".join(names[:shown]) + (f" +{rest}" if rest else "")
            if len(text) <= width:
                return text
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    room = max(1, width - len(more))
    first = names[0] if len(names[0]) <= room else names[0][: room - 1] + "…"
    return (first + more)[: max(width, 0)]


def field_text(noun: str, any_label: str, names: Sequence[str], width: int) -> str:
    """What a PickerField `width` cells wide (inside its padding) draws:
    the choice in words that fit, then ` ▾` at the right end, as a Select.
    The banner's first-frame preview draws the same (kit/row_preview.py)."""
    room = max(3, width) - 2
    return compact(noun, any_label, names, room).ljust(room) + " ▾"


class PickerField(Widget, can_focus=True):
    """One filter of the banner: what is picked, in words that fit; `enter`,
    `space` or a click opens the popup (the owner answers `Open`)."""

    PADDING = 1  # cells each side (the banner's preview draws the same: kit/row_preview.py)
    DEFAULT_CSS = f"""
    PickerField {{ height: 1; padding: 0 {PADDING}; }}
    PickerField:focus {{
        background: $block-cursor-background; color: $block-cursor-foreground;
    }}
    PickerField.-picked {{ text-style: bold; }}
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "open", "Pick", show=False, id="picker-field.open"),
    ]

    class Open(Message):
        def __init__(self, field: PickerField) -> None:
            super().__init__()
            self.field = field

    def __init__(
        self, key: str, noun: str, any_label: str, names: Sequence[str] = (), **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.key = key  # the filter key: agent_id, site_id, status
        self.noun = noun
        self.any_label = any_label
        self.names: list[str] = list(names)
        self.set_class(bool(self.names), "-picked")

    def show(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.set_class(bool(self.names), "-picked")
        self.refresh()

    def render(self) -> RenderResult:
        return Text(
            field_text(self.noun, self.any_label, self.names, self.content_size.width or 20)
        )

    def action_open(self) -> None:
        self.post_message(self.Open(self))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_open()


class MultiPicker(ModalScreen[tuple[Any, ...] | None]):
    """Pick any number of `choices`; answers the values picked, in the
    choices' order (empty: any), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", priority=True, id="picker.apply"),
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("ctrl+a", "all", "All", id="picker.all"),
        Binding("ctrl+n", "none", "None (any)", id="picker.none"),
    ]
    HELP_TITLE = "Pick"

    def __init__(self, title: str, choices: Sequence[Choice], picked: Sequence[Any]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.picked = set(picked)

    def compose(self) -> ComposeResult:
        from textual.widgets import SelectionList
        from textual.widgets.selection_list import Selection

        with Vertical(classes="dialog", id="picker-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield SelectionList[Any](
                *(Selection(label, value, value in self.picked) for label, value in self.choices),
                id="picker-list",
            )
            yield Static(
                Text("space: pick · enter: apply · ctrl+a all · ctrl+n none · escape", "dim")
            )
        yield Footer()

    @property
    def selection(self) -> SelectionList[Any]:
        from textual.widgets import SelectionList

        return self.query_one("#picker-list", SelectionList)

    def on_mount(self) -> None:
        self.selection.focus()
        if self.choices:
            self.selection.highlighted = 0

    def action_apply(self) -> None:
        chosen = set(self.selection.selected)
        self.dismiss(tuple(v for _, v in self.choices if v in chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_all(self) -> None:
        self.selection.select_all()

    def action_none(self) -> None:
        self.selection.deselect_all()


def label(name: str, note: str = "", style: str = "") -> Text:
    """A choice's label: the name (through the sanitiser), then a note."""
    t = r.plain(name, 30)
    if note:
        t.append(f"  {note}", style=style)
    return t
