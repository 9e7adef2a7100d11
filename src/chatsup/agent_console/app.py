"""`chatsup agent`: one advisor's desk over one `AgentClient` and one agent
socket (`AgentLive`).

The app holds the desk (open conversations waiting for anyone, or held by
this advisor), keeps it current from the socket, and reloads it over HTTP
whenever the socket (re)connects, since that socket replays nothing. Screens
ask the app for everything that talks to the server.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from chatsup import kit
from chatsup.agent_console.context import AgentContext
from chatsup.agent_console.lines import PRESENCE_CYCLE, is_waiting
from chatsup.agent_console.messages import EndChat, OpenChat, ReloadDesk
from chatsup.agent_console.screens.chat import ChatScreen
from chatsup.agent_console.screens.queue import QueueScreen
from chatsup.agent_console.status import StatusBar
from chatsup.client import AgentClient, LiveStatus, Unauthorized
from chatsup.client.agent_live import AgentLive, SocketError
from chatsup.client.errors import describe
from chatsup.domain.agent_desk import message_of
from chatsup.domain.events import ConversationAssigned, ConversationStarted, Event
from chatsup.domain.labels import visitor_label
from chatsup.domain.live_state import conversation_of
from chatsup.domain.models import Agent, ConversationItem, Presence
from chatsup.kit import render as r
from chatsup.kit.confirm import ConfirmScreen
from chatsup.kit.failure import FailureScreen, failure_of
from chatsup.kit.help import HelpScreen, live_sections

DESK_SIZE = 500


TOKEN_HINT = (
    "`chatsup agent` needs an agent token: --token, or [console] agent_token "
    "in the config (create one with `chatsup agent add NAME --email …`)."
)


class AgentApp(App[int]):
    TITLE = "chatsup agent"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        Path(__file__).with_name("agent.tcss"),
        Path(kit.__file__).with_name("kit.tcss"),
    ]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "cycle_presence", "Presence", id="presence"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        url: str,
        token: str,
        *,
        tz: str | None = None,
        hint: str | None = None,
        keys: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.set_keymap(keys or {})  # [console.keys]: binding id → keys
        self.url = url.rstrip("/")
        self.token = token
        self.tz_name = tz
        self.ctx = AgentContext(AgentClient(self.url, token), r.zone(tz or "UTC"), hint=hint)
        self.live: AgentLive | None = None
        self.presence: Presence = "offline"
        self.wanted: Presence = "online"
        self.live_state = "connecting"
        self._held: list[Event] | None = None  # events that arrive during a reload

    # what the screens read from `ctx` (chatsup.agent_console.context), here for the app
    @property
    def client(self) -> AgentClient:
        return self.ctx.client

    @property
    def tz(self) -> ZoneInfo:
        return self.ctx.tz

    @tz.setter
    def tz(self, tz: ZoneInfo) -> None:
        self.ctx.tz = tz

    @property
    def me(self) -> Agent | None:
        return self.ctx.me

    @me.setter
    def me(self, me: Agent | None) -> None:
        self.ctx.me = me

    @property
    def items(self) -> dict[int, ConversationItem]:
        return self.ctx.items

    @items.setter
    def items(self, items: dict[int, ConversationItem]) -> None:
        self.ctx.items = items

    @property
    def unread(self) -> dict[int, int]:
        return self.ctx.unread

    @unread.setter
    def unread(self, unread: dict[int, int]) -> None:
        self.ctx.unread = unread

    def get_default_screen(self) -> Screen[Any]:
        return QueueScreen()

    @property
    def queue(self) -> QueueScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, QueueScreen)
        return screen

    def chat(self, conversation_id: int | None = None) -> ChatScreen | None:
        """The open chat screen (of that conversation, if given)."""
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen) and conversation_id in (None, screen.cid):
                return screen
        return None

    def redraw_status(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.redraw()

    # -- start-up -----------------------------------------------------------------

    def on_mount(self) -> None:
        self.connect()

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        try:
            health = await self.client.health()
            self.me = await self.client.me()
        except Exception as e:  # said on the failure screen, with a retry
            self.fail(e)
            return
        if health.timezone and not self.tz_name:
            self.tz = r.zone(health.timezone)
        self.presence = self.me.presence
        self.redraw_status()
        self.run_live()

    def fail(self, error: BaseException) -> None:
        self.live_state = "offline"
        self.redraw_status()
        title, detail = failure_of(error, self.url, TOKEN_HINT)

        def retry(again: bool | None) -> None:
            if again:
                self.connect()

        self.push_screen(FailureScreen(title, detail), retry)

    # -- the socket -----------------------------------------------------------------

    @work(exclusive=True, group="live")
    async def run_live(self) -> None:
        if self.live is not None:
            await self.live.close()
        self.live = live = AgentLive(self.url, self.token)
        try:
            async for item in live.events():
                if isinstance(item, Event):
                    self.on_agent_event(item)
                elif isinstance(item, LiveStatus):
                    await self.on_live_status(item)
                elif isinstance(item, SocketError):
                    self.notify(f"The server refused a message: {item.message}", severity="error")
        except Unauthorized as e:  # the token was revoked while connected
            self.fail(e)

    async def on_live_status(self, status: LiveStatus) -> None:
        self.live_state = status.state
        if status.state == "live":
            # connected: the server holds us online; keep the presence chosen
            self.presence = "online"
            if self.wanted != "online":
                await self._post_presence(self.wanted)
            self.reload_desk()
            chat = self.chat()
            if chat is not None:
                chat.load()
        elif status.state == "reconnecting":
            self.presence = "offline"
        self.redraw_status()

    def on_agent_event(self, event: Event) -> None:
        if self._held is not None:
            self._held.append(event)
        item = conversation_of(event)
        if isinstance(event, ConversationAssigned):
            self.transferred(event)
        if item is not None:
            self.apply(item)
        chat = self.chat(item.id) if item is not None else None
        if chat is not None and item is not None:
            chat.update_conversation(item)
        msg = message_of(event)
        if msg is None:
            if isinstance(event, ConversationStarted) and item is not None and is_waiting(item):
                self.notify(
                    f"New chat #{item.id} from visitor {visitor_label(item.visitor.number)}",
                    title="Waiting",
                )
                self.bell()
            return
        open_chat = self.chat(msg.conversation_id)
        if open_chat is not None:
            open_chat.add_message(msg)
        elif msg.sender == "visitor" and msg.conversation_id in self.items:
            self.unread[msg.conversation_id] = self.unread.get(msg.conversation_id, 0) + 1
            held = self.items[msg.conversation_id]
            if not is_waiting(held):
                self.notify(
                    f"Visitor {visitor_label(held.visitor.number)} wrote in chat #{held.id}"
                )
        self.queue.redraw()

    def transferred(self, event: ConversationAssigned) -> None:
        """A supervisor's transfer (the chat had a holder): to me, a line and
        a notice; away from me, the chat leaves the desk and says where."""
        d, me = event.data, self.me
        if d.previous_agent is None or me is None or d.agent is None:
            return
        cid = d.conversation_id
        chat = self.chat(cid)
        if d.agent.id == me.id:
            line = f"chat #{cid} transferred to you by the supervisor"
            self.notify(line[0].upper() + line[1:], title="Transfer")
            if chat is not None:
                chat.transfer_line(line)
        elif d.previous_agent.id == me.id:
            to = r.plain(d.agent.name, 24).plain
            self.notify(f"Chat #{cid} was transferred to {to} by the supervisor", title="Transfer")
            if chat is not None:
                chat.close_chat(f"transferred to {to} by the supervisor")

    def apply(self, item: ConversationItem) -> None:
        mine = item.agent is not None and self.me is not None and item.agent.id == self.me.id
        if item.ended_at is None and (mine or is_waiting(item)):
            self.items[item.id] = item
        else:
            self.items.pop(item.id, None)
            self.unread.pop(item.id, None)
        self.queue.redraw()

    @work(exclusive=True, group="desk")
    async def reload_desk(self) -> None:
        self._held = []
        try:
            page = await self.client.desk("open", DESK_SIZE)
        except Exception as e:
            self.notify(f"Could not load the desk: {describe(e)} (r: reload)", severity="error")
            return
        finally:
            held, self._held = self._held or [], None
        self.items = {c.id: c for c in page.items}
        for event in held:  # newer than the page, or the page already had them
            item = conversation_of(event)
            if item is not None:
                self.apply(item)
        self.unread = {k: v for k, v in self.unread.items() if k in self.items}
        self.queue.redraw()

    # -- actions ----------------------------------------------------------------------

    def on_open_chat(self, message: OpenChat) -> None:
        self.open_chat(message.conversation_id)

    def on_end_chat(self, message: EndChat) -> None:
        self.confirm_end(message.conversation_id)

    def on_reload_desk(self, message: ReloadDesk) -> None:
        self.reload_desk()

    def open_chat(self, conversation_id: int) -> None:
        self.unread.pop(conversation_id, None)
        self.queue.redraw()
        self.push_screen(ChatScreen(conversation_id), lambda _: self.queue.redraw())

    def confirm_end(self, conversation_id: int) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.end_chat(conversation_id)

        self.push_screen(
            ConfirmScreen(
                f"End chat #{conversation_id}?",
                "The visitor sees that the chat is over.",
                danger=True,
            ),
            answered,
        )

    @work(group="end")
    async def end_chat(self, conversation_id: int) -> None:
        try:
            await self.client.end_conversation(conversation_id)
        except Exception as e:
            self.notify(f"Chat #{conversation_id} not ended: {describe(e)}", severity="error")
            return
        self.notify(f"Chat #{conversation_id} ended")
        self.items.pop(conversation_id, None)
        self.queue.redraw()
        chat = self.chat(conversation_id)
        if chat is not None and chat is self.screen:
            chat.dismiss(None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(live_sections(self)))

    def action_cycle_presence(self) -> None:
        self.set_presence(PRESENCE_CYCLE[self.presence])

    @work(exclusive=True, group="presence")
    async def set_presence(self, status: Presence) -> None:
        self.wanted = status
        await self._post_presence(status)

    async def _post_presence(self, status: Presence) -> None:
        try:
            await self.client.presence(status)
        except Exception as e:
            self.notify(f"Presence not changed: {describe(e)}", severity="error")
            return
        self.presence = status
        self.redraw_status()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for status in ("online", "away", "offline"):
            yield SystemCommand(
                f"Presence: {status}",
                f"Show yourself {status} to visitors",
                lambda s=status: self.set_presence(s),
            )
        yield SystemCommand(
            "Reload the desk", "Waiting and open chats from the server", self.reload_desk
        )

    async def on_unmount(self) -> None:
        if self.live is not None:
            await self.live.close()
        await self.client.aclose()


def run_agent_console(
    url: str, token: str | None, settings: Any = None, hint: str | None = None
) -> int:
    """`chatsup agent`: the advisor's desk on the configured server."""
    if not token:
        print(
            "chatsup agent: no agent token: pass --token or set [console] agent_token in "
            "the config (create one with `chatsup agent add NAME --email …`)",
            file=sys.stderr,
        )
        return 2
    tz = getattr(settings, "timezone", None) if settings is not None else None
    keys = getattr(getattr(settings, "console", None), "keys", None)
    app = AgentApp(url, token, tz=tz if tz and tz != "UTC" else None, hint=hint, keys=keys)
    return int(app.run() or 0)
