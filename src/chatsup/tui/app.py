"""The supervisor console: six tabs over one client, one live worker.

The app owns the `SupervisorClient` and the single worker that holds the
`LiveClient`; tabs and screens ask the app for everything that talks to the
server, so no screen makes its own HTTP calls.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from chatsup import kit
from chatsup.client import SupervisorClient
from chatsup.client.errors import describe
from chatsup.domain.labels import visitor_label
from chatsup.domain.models import Agent, MailResult, Site
from chatsup.kit import render as r
from chatsup.kit.keys_footer import KeysFooter
from chatsup.kit.lazy_tabs import LazyTabbedContent
from chatsup.kit.live_status import live_label
from chatsup.tui import gc_pause
from chatsup.tui.context import Context
from chatsup.tui.messages import EditProfile, MailTranscript, OpenDetails, OpenTail, ShowTab
from chatsup.tui.screens.base import ListTab
from chatsup.tui.screens.messages import MessagesTab

if TYPE_CHECKING:
    from chatsup.client.live import LiveClient
    from chatsup.domain.events import Event
    from chatsup.domain.models import Health

    Startup = tuple[Health, list[Agent], list[Site], int]

TOKEN_HINT = (
    "Check [console] token in the config or pass --token "
    "(a supervisor token: chatsup token create)."
)
# name, label, the view's class as "module:Class" under chatsup.tui.screens.
# Only Messages is imported and built for the first frame; every other tab
# (Monitoring and its charts above all) is imported and mounted when first
# shown (tests/tui/test_import_hygiene.py keeps it so).
TABS: list[tuple[str, str, str]] = [
    ("messages", "1 Messages", "messages:MessagesTab"),
    ("offline", "2 Offline", "offline:OfflineTab"),
    ("calls", "3 Calls", "calls:CallsTab"),
    ("visitors", "4 Visitors", "visitors:VisitorsTab"),
    ("contacts", "5 Contacts", "contacts:ContactsTab"),
    ("monitoring", "6 Monitoring", "monitoring:MonitoringTab"),
]


PRELOAD_AFTER_S = 1.5  # the other tabs are built this long after connecting
# The start (the collector paused, the footer's keys held until the first
# rows are painted) is over this long after mounting at the latest.
START_CAP_S = 1.0


def tab_class(name: str) -> type[Any]:
    """The class of tab `name`, imported now if it was not yet."""
    spec = next(spec for n, _, spec in TABS if n == name)
    module, cls = spec.split(":")
    view: type[Any] = getattr(importlib.import_module(f"chatsup.tui.screens.{module}"), cls)
    return view


class TopBar(Static):
    """Server, live status and the clock in the company time zone."""

    DEFAULT_CSS = "TopBar { height: 1; background: $panel; }"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.state = "connecting"
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.redraw)
        self.redraw()

    def redraw(self) -> None:
        t = Text(" chatsup ", style="bold reverse")
        t.append(f" {self.url}  ", style="dim")
        t.append_text(live_label(self.state))
        clock = datetime.now(self.tz).strftime("%a %d %b %H:%M:%S %Z")
        t.append(" " * max(1, self.size.width - len(t.plain) - len(clock) - 1))
        t.append(clock)
        self.update(t)


class MainScreen(Screen[Any]):
    """The console's screen (the tabs, the footer). Textual styles every
    widget as it mounts, and again, all of them, when a screen is first
    shown (ScreenResume): on this one the widgets are mounted, and styled,
    just before, so the second pass changes nothing and is left out
    (~2 % of the start, issue 14, P7; tests/tui/test_start.py restyles
    after the first frame and compares). Later resumes restyle as before."""

    HELP_TITLE = "This screen"  # as Textual's Screen is named in the help (kit/help.py)
    shown = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # runs before Screen's own handler, with the same event
        if not self.shown:
            self.shown = True
            event.refresh_styles = False


class ChatsupApp(App[int]):
    TITLE = "chatsup"
    # absolute paths: subclasses elsewhere work
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        Path(__file__).with_name("app.tcss"),
        Path(kit.__file__).with_name("kit.tcss"),
    ]
    ENABLE_COMMAND_PALETTE = True
    AUTO_FOCUS = "PagedTable"  # the list, not the tab bar, takes the keys at start
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(
                str(i + 1), f"show_tab('{name}')", label.split()[1], show=False, id=f"tab-{name}"
            )
            for i, (name, label, _) in enumerate(TABS)
        ],
        Binding("slash", "tab_action('search')", "Search", show=False, id="search"),
        Binding("e", "tab_action('export')", "Export", show=False, id="export"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        tz: str | None = None,
        keys: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.set_keymap(keys or {})  # [console.keys]: binding id → keys
        self.url = url.rstrip("/")
        self.token = token or ""  # none configured: the sign-in screen asks for it
        self.tz_name = tz
        self.ctx = Context(SupervisorClient(self.url, self.token), r.zone(tz or "UTC"))
        self.live: LiveClient | None = None
        self.tails: list[Any] = []
        self.live_events = 0
        self._ctrl_c_at = -10.0
        self.building: dict[str, asyncio.Future[None]] = {}
        self.front: MessagesTab | None = None  # made before the first frame (on_load)
        self.requests: asyncio.Task[Startup] | None = None  # in flight from on_load
        self.views: dict[str, Any] = {}  # tab name -> its view, once made (`built`)

    # what the screens read from `ctx` (chatsup.tui.context), here for the app's own code
    @property
    def client(self) -> SupervisorClient:
        return self.ctx.client

    @property
    def tz(self) -> ZoneInfo:
        return self.ctx.tz

    @tz.setter
    def tz(self, tz: ZoneInfo) -> None:
        self.ctx.tz = tz

    @property
    def agents(self) -> list[Agent]:
        return self.ctx.agents

    @agents.setter
    def agents(self, agents: list[Agent]) -> None:
        self.ctx.agents = agents

    @property
    def sites(self) -> list[Site]:
        return self.ctx.sites

    @sites.setter
    def sites(self, sites: list[Site]) -> None:
        self.ctx.sites = sites

    # -- layout ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield TopBar(self.url)
        # the tab bar drawn by one widget until the start is over (`started`)
        with LazyTabbedContent(id="tabs"):
            for name, label, _ in TABS:
                with TabPane(label, id=name):
                    if name == "messages":  # the others: when first shown
                        front = self.front or MessagesTab(id="tab-messages", first_frame=True)
                        self.views["messages"] = front
                        yield front
        yield KeysFooter(held=True)  # its keys once the start is over (`started`)

    def tab(self, name: str) -> Any:
        """Tab `name`'s view (shown at least once: built then)."""
        return self.query_one(f"#tab-{name}")

    def built(self, name: str) -> Any | None:
        """Tab `name`'s view if it was shown already, else None. Kept as
        each is mounted, not looked up: it is asked on every live event
        (P8: a DOM query per event cost ~a fifth of the tail's CPU)."""
        view = self.views.get(name)
        return view if view is not None and view.is_attached else None

    async def build(self, name: str) -> Any:
        """Tab `name`'s view, imported and mounted now if it was not yet."""
        if name in self.building:  # being mounted (preload or a key): its children too
            await self.building[name]
        view = self.built(name)
        if view is None:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.building[name] = done
            try:
                view = tab_class(name)(id=f"tab-{name}")
                await self.query_one(LazyTabbedContent).mount_panes()  # (after the start)
                await self.query_one(f"TabPane#{name}").mount(view)
                self.views[name] = view
            finally:
                done.set_result(None)
                del self.building[name]
        return view

    async def preload(self) -> None:
        """After the first rows: the other tabs, one at a time, before anyone asks."""
        for name, _, _ in TABS:
            while len(self.screen_stack) > 1:  # a screen on top: the tabs' wait
                await asyncio.sleep(0.2)
            if self._exit or self._closing:
                return
            try:
                await self.build(name)
            except NoMatches:  # being taken down (quitting)
                return
            await asyncio.sleep(0.05)  # keys and live rows go first

    @property
    def messages(self) -> MessagesTab:
        view = self.built("messages")
        if not isinstance(view, MessagesTab):
            raise NoMatches("the Messages tab is not mounted")
        return view

    # -- start-up ----------------------------------------------------------------------

    def on_load(self) -> None:
        """Before the first frame is built: the start-up requests and the
        front list's first page go out now, and the server answers while the
        frame is composed and mounted (its first rows can then be in the
        first frame drawn: issue 14, P7). `connect` takes their answers."""
        if self.token:
            self.front = MessagesTab(id="tab-messages", first_frame=True)
            self.requests = asyncio.ensure_future(self.start_up(self.front))

    def on_mount(self) -> None:
        self.set_timer(START_CAP_S, self.started)  # whatever the server does
        if self.token:
            self.connect()
        else:
            self.sign_in()

    def sign_in(self) -> None:
        """No token configured: ask for one (chatsup.tui.signin), then connect."""
        from chatsup.tui.signin import SignInScreen

        self.started()  # the console waits for a person

        async def signed_in(token: str | None) -> None:
            if not token:
                return
            old, self.token = self.ctx.client, token
            self.ctx.client = SupervisorClient(self.url, token)
            await old.aclose()
            self.connect()

        self.push_screen(SignInScreen(self.url), signed_in)

    async def start_up(self, view: Any) -> Startup:
        """The start-up requests: health, advisors, sites and the latest
        event; with them, the first page of `view` if it is a list not loaded
        yet (one round trip, not two, before the first rows: issue 14, P7)."""
        first = None
        if isinstance(view, ListTab) and not view.loaded:
            first = asyncio.ensure_future(view.prefetch())
        try:
            answers = await asyncio.gather(
                self.client.health(),
                self.client.agents(),
                self.client.sites(),
                self.client.latest_event_id(),
            )
            if first is not None:
                await first  # never raises: a failed page is asked again by the tab
            return answers
        finally:
            if first is not None and not first.done():
                first.cancel()

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        view = self.built(self.query_one(TabbedContent).active or "messages")
        requests, self.requests = self.requests, None  # sent on_load, else now
        try:
            health, self.agents, self.sites, after = await (requests or self.start_up(view))
        except Exception as e:  # said on the failure screen, with a retry
            self.fail(e)
            return
        if health.timezone and not self.tz_name:
            self.tz = r.zone(health.timezone)
        self.query_one(TopBar).tz = self.tz
        await self.activate(self.query_one(TabbedContent).active or "messages")
        if isinstance(view, ListTab):
            view.first = None  # not shown after all (another tab came first): asked when it is
        # the collector, the footer's keys and the live stream (websockets)
        # once the first rows are on screen
        self.call_after_refresh(self.started)
        self.call_after_refresh(self.run_live, after)
        # the coroutine is made when the worker runs: none left un-awaited at a
        # close (Textual takes an async function; its stubs say otherwise)
        preload: Any = self.preload
        self.set_timer(PRELOAD_AFTER_S, lambda: self.run_worker(preload, group="preload"))

    def started(self) -> None:
        """The start is over (the first rows painted, or a screen waits for
        a person, or `START_CAP_S` passed): the collector back on (if
        `chatsup` paused it: chatsup.tui.gc_pause), the footer's keys drawn,
        the real tab bar built."""
        gc_pause.resume()
        footer = self.query(KeysFooter)
        if footer:
            footer.first().release()
        tabs = self.query(LazyTabbedContent)
        if tabs:  # (after what is queued: the live stream's start)
            self.call_later(tabs.first().build_tabs)

    def fail(self, error: BaseException) -> None:
        from chatsup.kit.failure import FailureScreen, failure_of

        self.started()
        self.query_one(TopBar).state = "offline"
        title, detail = failure_of(error, self.url, TOKEN_HINT)

        def retry(again: bool | None) -> None:
            if again:
                self.connect()

        self.push_screen(FailureScreen(title, detail), retry)

    # -- tabs ---------------------------------------------------------------------------

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id and self.sites is not None and (self.agents or self.sites):
            await self.activate(event.pane.id)

    async def activate(self, name: str) -> None:
        view = await self.build(name)
        if hasattr(view, "activate"):
            view.activate()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` and `e` only where the tab in front has them."""
        if action == "tab_action" and parameters:
            tabs = self.query(TabbedContent)
            if not tabs:
                return False
            view = self.built(tabs.first().active or "messages")
            return view is not None and bool(view.check_action(str(parameters[0]), ()))
        return True

    def action_tab_action(self, action: str) -> None:
        """Keys that mean the same on every tab, wherever the focus is."""
        view = self.built(self.query_one(TabbedContent).active or "messages")
        method = getattr(view, f"action_{action}", None)
        if method is not None:
            method()

    async def action_show_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        await self.activate(name)

    async def on_show_tab(self, message: ShowTab) -> None:
        await self.show_tab(message.name, **message.drill)

    async def show_tab(self, name: str, **drill: Any) -> None:
        """Go to a tab with filters set from elsewhere (a drill-down)."""
        await self.action_show_tab(name)
        view = self.tab(name)
        if isinstance(view, ListTab):
            view.banner.drill(**drill)

    # -- live ---------------------------------------------------------------------------

    @work(exclusive=True, group="live")
    async def run_live(self, after: int) -> None:
        from chatsup.client.live import LiveClient, LiveStatus, Resync

        self.live = LiveClient(self.url, self.token, after=after)
        bar = self.query_one(TopBar)
        async for item in self.live.events():
            if self._exit or self._closing:  # quitting: the views are being taken down
                return
            if isinstance(item, LiveStatus):
                back = item.state == "live" and bar.state not in ("live", "connecting")
                bar.state = item.state
                bar.redraw()
                for tail in self.tails:
                    tail.set_status(item)
                if back:  # the server is back: the visible tab shows it without `r`
                    self.reload_visible()
            elif isinstance(item, Resync):
                self.notify("Missed too much while away: reloading", severity="warning")
                self.messages.table.reload()
            else:  # an Event (its models load with the first one)
                self.on_live_event(item)

    def reload_visible(self) -> None:
        """Reload what the front tab shows (after the connection came back)."""
        view = self.built(self.query_one(TabbedContent).active or "messages")
        if isinstance(view, ListTab):
            view.table.reload()
        elif view is not None and hasattr(view, "view"):  # Monitoring: its report in front
            view.view().reload()

    def on_live_event(self, event: Event) -> None:
        from chatsup.domain.live_state import conversation_of

        self.live_events += 1
        item = conversation_of(event)
        if item is not None:
            self.messages.on_conversation(item)  # (a tab being taken down drops it)
        for tail in list(self.tails):
            if tail.is_attached:
                tail.add(event)
            else:
                self.tails.remove(tail)
        monitoring: Any = self.built("monitoring")  # not shown yet: nothing to tick
        if hasattr(monitoring, "live_event"):
            monitoring.live_event(event)
        if event.type == "agent.presence":
            self.presence_changed(event)

    def presence_changed(self, event: Any) -> None:
        """An advisor's presence changed: known from now on, and shown by an
        open transfer picker (screens.live_actions.AgentPicker)."""
        aid, presence = event.data.agent_id, event.data.presence
        self.ctx.agents = [
            dataclasses.replace(a, presence=presence) if a.id == aid else a for a in self.ctx.agents
        ]
        for screen in self.screen_stack:
            if hasattr(screen, "presence_changed"):
                screen.presence_changed(aid, presence)

    # -- actions shared by tabs and screens --------------------------------------------------

    def on_open_details(self, message: OpenDetails) -> None:
        from chatsup.tui.screens.details import DetailsScreen

        self.push_screen(DetailsScreen(message.visitor_id, message.conversation_id))

    def on_open_tail(self, message: OpenTail) -> None:
        from chatsup.tui.screens.tail import TailScreen

        screen = TailScreen(message.conversation_id)
        screen.set_status(self.query_one(TopBar).state)
        self.tails.append(screen)
        self.push_screen(screen)

    def on_mail_transcript(self, message: MailTranscript) -> None:
        self.mail_transcript(message.conversation_id)

    def on_edit_profile(self, message: EditProfile) -> None:
        self.edit_profile(message.visitor_id, message.then)

    @work(group="mail")
    async def mail_transcript(self, conversation_id: int) -> None:
        """Ask for the address (prefilled from the server's settings), then say
        where the mail went."""
        try:
            settings = await self.client.settings()
            address, smtp = settings.supervisor_address, settings.smtp
        except Exception:  # an older server: the address is typed
            address, smtp = None, False

        def done(res: MailResult | None) -> None:
            if res is not None:
                self.notify(f"Transcript of chat #{conversation_id} {res.where}", timeout=10)

        from chatsup.tui.screens.mail_address import MailAddressDialog

        self.push_screen(MailAddressDialog(conversation_id, address, smtp=smtp), done)

    @work(group="profile")
    async def edit_profile(
        self, visitor_id: int, then: Callable[[object], Awaitable[None]] | None = None
    ) -> None:
        try:
            d = await self.client.visitor(visitor_id)
        except Exception as e:
            self.notify(describe(e), severity="error")
            return

        async def saved(profile: object) -> None:
            if profile is None:
                return
            self.notify(f"Profile of visitor {visitor_label(d.visitor.number)} saved")
            for name in ("visitors", "contacts"):
                view = self.built(name)
                if view is not None and view.loaded:
                    view.table.reload()
            if then is not None:
                await then(profile)

        from chatsup.tui.screens.profile_form import ProfileForm

        self.push_screen(ProfileForm(self.client, visitor_id, d.visitor.number, d.profile), saved)

    def action_help(self) -> None:
        from chatsup.kit.help import HelpScreen, live_sections

        self.push_screen(HelpScreen(live_sections(self)))

    def action_help_quit(self) -> None:
        """ctrl+c: twice within two seconds quits (once could be a copy by habit)."""
        now = time.monotonic()
        if now - self._ctrl_c_at < 2.0:
            self.exit(0)
            return
        self._ctrl_c_at = now
        self.notify("Press ctrl+c again to quit (or q on the lists)", title="Quit?", timeout=2)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, label, _ in TABS:
            yield SystemCommand(
                f"Go to {label.split()[1]}",
                f"Show the {label.split()[1]} tab",
                lambda name=name: self.action_show_tab(name),
            )
        yield SystemCommand(
            "Live tail",
            "Every chat line across the company, live",
            lambda: self.post_message(OpenTail(None)),
        )
        yield SystemCommand("Help", "Keys", self.action_help)
        view = self.query_one(TabbedContent).active
        if view and screen is self.screen:
            tab = self.built(view)
            if tab is not None:
                from chatsup.kit.help import palette_commands

                yield from palette_commands(tab)

    async def on_unmount(self) -> None:
        gc_pause.resume()
        if self.requests is not None:  # closed before it connected
            self.requests.cancel()
        if self.live is not None:
            await self.live.close()
        await self.client.aclose()


def run_console(url: str, token: str | None, settings: Any = None) -> int:
    """`chatsup`: the console on the configured server (no token: the sign-in
    screen asks for one). Exit code for the shell."""
    tz = getattr(settings, "timezone", None) if settings is not None else None
    keys = getattr(getattr(settings, "console", None), "keys", None)
    app = ChatsupApp(url, token, tz=tz if tz and tz != "UTC" else None, keys=keys)
    return int(app.run() or 0)
