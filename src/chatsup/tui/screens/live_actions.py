"""A supervisor in a live chat: whisper a note to the advisor (`n`), write to
the visitor (`w`), transfer the chat to another advisor (`x`, a picker with
each advisor's presence, then a confirmation). Just watching sends nothing.
The transcript and the tail of one chat share these keys and dialogs."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from chatsup.client.errors import describe
from chatsup.domain.models import Agent, Presence
from chatsup.kit import render as r
from chatsup.kit.confirm import ConfirmScreen
from chatsup.tui.context import context_of

MAX_BODY = 4000  # a line typed in a dialog, well under the server's own limit

PRESENCE_STYLE = {"online": "green", "away": "yellow", "offline": "dim"}


def live_bindings(prefix: str) -> list[BindingType]:
    """The keys of a supervisor in a live chat, ids under `prefix`."""
    return [
        Binding("n", "note", "Note", id=f"{prefix}.note"),
        Binding("w", "write", "Write", id=f"{prefix}.write"),
        Binding("x", "transfer", "Transfer", id=f"{prefix}.transfer"),
    ]


class SayDialog(ModalScreen[str | None]):
    """One line to send: answers the text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True, id="say.cancel"),
    ]

    def __init__(self, title: str, hint: str) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(Text(self.title_text, style="bold"))
            yield Input(id="say-body", max_length=MAX_BODY, placeholder=self.hint)
            yield Static("", id="say-error", classes="error")
            yield Static(Text("enter send · escape cancel", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#say-body", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        body = event.value.strip()
        if not body:
            self.query_one("#say-error", Static).update(Text("type something first", style="red"))
            return
        self.dismiss(body)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AgentPicker(ModalScreen[int | None]):
    """The advisors with their presence; answers the chosen one's id. The
    presence is asked again as it opens (`action_transfer`) and follows the
    live stream while it is open (`presence_changed`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="agent-picker.cancel"),
    ]

    def __init__(self, agents: list[Agent], current: int | None) -> None:
        super().__init__()
        order = {"online": 0, "away": 1, "offline": 2}
        self.agents = sorted(agents, key=lambda a: (order.get(a.presence, 3), a.name))
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Transfer the chat to", style="bold"))
            yield OptionList(*(self._option(a) for a in self.agents))
            yield Static(Text("enter: choose · escape: cancel", style="dim"))
        yield Footer()

    def _option(self, a: Agent) -> Option:
        label = r.plain(a.name, 30)
        label.append(f"  {a.presence}", style=PRESENCE_STYLE.get(a.presence, ""))
        if a.id == self.current:
            label.append("  (holds it)", style="dim")
        return Option(label, id=str(a.id), disabled=a.id == self.current)

    def presence_changed(self, agent_id: int, presence: Presence) -> None:
        """An advisor's presence changed (the live stream): its line says
        it now; the list keeps its order and the highlighted advisor."""
        for i, a in enumerate(self.agents):
            if a.id == agent_id and a.presence != presence:
                self.agents[i] = dataclasses.replace(a, presence=presence)
                for options in self.query(OptionList):  # (none before it is composed)
                    options.replace_option_prompt_at_index(i, self._option(self.agents[i]).prompt)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.action_first()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


class LiveActions:
    """Mixin for a screen showing one chat: `conversation_id`, `agent_id`
    (who holds it) and `open_chat` say where it stands; `after_action` runs
    once something was sent."""

    conversation_id: int | None
    agent_id: int | None = None
    open_chat: bool = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("note", "write", "transfer") and self.conversation_id is None:
            return False  # the company-wide tail: no chat to act in
        return super().check_action(action, parameters)  # type: ignore[misc, no-any-return]

    def live_ok(self) -> bool:
        screen: Screen[object] = self  # type: ignore[assignment]
        if self.conversation_id is None:
            return False
        if not self.open_chat:
            screen.notify("This chat has ended", severity="warning")
            return False
        return True

    async def after_action(self) -> None:
        """Reload what is shown (the tail needs nothing: events come)."""

    def action_note(self) -> None:
        if self.live_ok():
            self._say("note")

    def action_write(self) -> None:
        if self.live_ok():
            self._say("write")

    def _say(self, kind: str) -> None:
        screen: Screen[object] = self  # type: ignore[assignment]
        cid = self.conversation_id
        assert cid is not None
        if kind == "note":
            dialog = SayDialog(
                f"Note to the advisor of chat #{cid}", "only advisors see it, never the visitor"
            )
        else:
            dialog = SayDialog(f"Write to the visitor of chat #{cid}", "sent as supervisor")

        def done(body: str | None) -> None:
            if body:
                client = context_of(screen).client
                send = client.add_note if kind == "note" else client.send_message
                self._run(lambda: send(cid, body), "Note sent" if kind == "note" else "Sent")

        screen.app.push_screen(dialog, done)

    def action_transfer(self) -> None:
        if not self.live_ok():
            return
        screen: Screen[object] = self  # type: ignore[assignment]
        ctx = context_of(screen)
        cid = self.conversation_id
        assert cid is not None
        picker: AgentPicker | None = None

        def confirmed(agent: Agent, yes: bool | None) -> None:
            if yes:
                self._run(
                    lambda: ctx.client.assign(cid, agent.id),
                    f"Chat #{cid} transferred to {r.plain(agent.name, 30).plain}",
                )

        def picked(agent_id: int | None) -> None:
            shown = picker.agents if picker is not None else []
            agent = next((a for a in shown if a.id == agent_id), None)
            if agent is None:
                return
            screen.app.push_screen(
                ConfirmScreen(
                    f"Transfer chat #{cid} to {r.plain(agent.name, 30).plain}?",
                    f"{agent.name} is {agent.presence}; the chat leaves its current advisor.",
                ),
                lambda yes: confirmed(agent, yes),
            )

        async def open_picker() -> None:
            nonlocal picker
            before = {a.id: a.presence for a in ctx.agents}
            try:  # presence as of now, not as of the connection (a second at most)
                fresh = await asyncio.wait_for(ctx.client.agents(), 1.0)
            except Exception:
                fresh = ctx.agents  # as known
            # a change the live stream brought meanwhile is newer than the answer
            live = {a.id: a.presence for a in ctx.agents if a.presence != before.get(a.id)}
            ctx.agents = [
                dataclasses.replace(a, presence=live[a.id]) if a.id in live else a for a in fresh
            ]
            if not ctx.agents:
                screen.notify("No advisor to transfer to", severity="warning")
                return
            picker = AgentPicker(ctx.agents, self.agent_id)
            screen.app.push_screen(picker, picked)

        screen.run_worker(open_picker(), group="transfer-picker", exclusive=True)

    def _run(self, call: Callable[[], Awaitable[object]], said: str) -> None:
        screen: Screen[object] = self  # type: ignore[assignment]

        async def go() -> None:
            try:
                await call()
            except Exception as e:
                screen.notify(describe(e), severity="error")
                return
            screen.notify(said)
            await self.after_action()

        screen.run_worker(go(), group="live-action")
