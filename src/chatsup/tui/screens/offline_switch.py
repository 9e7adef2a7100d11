"""Choose a site whose offline messages to switch on or off, then confirm."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from chatsup.domain.models import Site
from chatsup.kit import render as r
from chatsup.kit.confirm import ConfirmScreen


class OfflineSwitchScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="offline-switch.cancel")
    ]

    def __init__(self, sites: list[Site]) -> None:
        super().__init__()
        self.sites = sites

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Offline messages, per site", style="bold"))
            options = []
            for s in self.sites:
                label = r.plain(s.name, 30)
                label.append(
                    "  on" if s.offline_enabled else "  off",
                    style="green" if s.offline_enabled else "red",
                )
                options.append(Option(label, id=str(s.id)))
            yield OptionList(*options)
            yield Static(Text("enter: switch · escape: cancel", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        site = next(s for s in self.sites if str(s.id) == event.option.id)
        action = "Switch OFF" if site.offline_enabled else "Switch ON"
        detail = (
            "Visitors will no longer be able to leave a message when nobody is online."
            if site.offline_enabled
            else "Visitors will be able to leave messages again."
        )

        def done(yes: bool | None) -> None:
            self.dismiss(site.id if yes else None)

        self.app.push_screen(
            ConfirmScreen(
                f"{action} offline messages for {site.name}?", detail, danger=site.offline_enabled
            ),
            done,
        )
