"""The tab bar in the first frame (issue 14, P7): a LazyTabbedContent draws
it with one TabsPreview until `build_tabs` (the console: right after the
first rows), or until something needs the real bar sooner. The cells drawn
are Textual's tab bar's own, in every theme, focused or not; a tab chosen,
clicked or moved to meanwhile is shown at once and kept."""

from __future__ import annotations

from time import monotonic
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTabs
from textual.widgets._tabs import Underline

from chatsup.kit.lazy_tabs import LateTabs, LazyTabbedContent
from chatsup.kit.tabs_preview import TabsPreview
from tests.harness import World
from tests.tui.pilot import screen_text, until

LABELS = ["1 Messages", "2 Offline", "3 Calls"]


class Spot(Static, can_focus=True):
    """A focusable pane content (where Textual would move a lost focus)."""


class Two(App[None]):
    """Textual's TabbedContent above a lazy one, the same panes in each."""

    CSS = "TabbedContent { height: 3; }"
    AUTO_FOCUS = None

    def __init__(self, lazy: type[LazyTabbedContent] = LazyTabbedContent, **kw: Any) -> None:
        super().__init__(**kw)
        self.lazy = lazy
        self.activated: list[tuple[str, str]] = []  # (TabbedContent id, pane id)

    def compose(self) -> ComposeResult:
        for cls, name in ((TabbedContent, "now"), (self.lazy, "later")):
            with cls(id=name):
                for i, label in enumerate(LABELS):
                    with TabPane(label, id=f"{name}-{i}"):
                        yield Spot(f"pane {i}")

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.activated.append((event.tabbed_content.id or "", event.pane.id or ""))

    @property
    def now(self) -> TabbedContent:
        return self.query_one("#now", TabbedContent)

    @property
    def later(self) -> LazyTabbedContent:
        return self.query_one("#later", LazyTabbedContent)


def rows(app: App[None], widget: Any) -> list[list[tuple[str, Any]]]:
    """The widget's three lines as drawn (the tab row, the underline, the
    pane): each cell's character and style, the mouse's offsets left out."""
    strips = app.screen._compositor.render_strips()
    y = widget.region.y
    return [
        [
            (ch, seg.style and seg.style.clear_meta_and_links())
            for seg in strips[y + i]
            for ch in seg.text
        ]
        for i in range(3)
    ]


class Held(LazyTabbedContent):
    """Builds its bar only when asked in the test: the preview's own look,
    focused too."""

    def on_tabs_preview_wanted(self, event: TabsPreview.Wanted) -> None:
        event.stop()
        event.prevent_default()  # (Textual calls the base class's handler too)


@pytest.mark.parametrize("ansi", [False, True])
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "gruvbox"])
async def test_the_preview_draws_the_cells_the_tab_bar_draws(theme: str, ansi: bool) -> None:
    app = Two(ansi_color=ansi)
    async with app.run_test(size=(60, 6)) as pilot:
        app.theme = theme
        await pilot.pause()
        assert app.later.query(TabsPreview) and not app.later.query(ContentTabs)
        assert rows(app, app.later) == rows(app, app.now)
        app.activated.clear()  # (Textual's announces its first tab as it starts)
        app.later.build_tabs()
        await until(pilot, lambda: not app.later.query(TabsPreview))
        await pilot.pause()
        assert app.later.query(ContentTabs)
        assert rows(app, app.later) == rows(app, app.now)
        assert app.activated == []  # the same tab all along: no news


async def test_the_focused_preview_draws_the_focused_tab_bar() -> None:
    app = Two(Held)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        app.later.query_one(TabsPreview).focus()
        await pilot.pause()
        focused_preview = rows(app, app.later)
        app.now.query_one(ContentTabs).focus()
        await pilot.pause()
        assert focused_preview[:2] == rows(app, app.now)[:2]
        assert focused_preview[:2] != rows(app, app.later)[:2]  # (the focus shows)


async def test_a_tab_chosen_before_the_bar_is_built_is_shown_and_kept() -> None:
    """`active` set (the console's 1–6): the pane at once, drawn by the
    preview; the real bar starts on it and the change is announced once."""
    app = Two()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        app.now.active, app.later.active = "now-2", "later-2"
        await pilot.pause()
        assert app.later.query_one("#later-2").display
        assert not app.later.query_one("#later-0").display
        await until(pilot, lambda: not app.later.query(TabsPreview))
        await until(pilot, lambda: ("later", "later-2") in app.activated)
        await pilot.pause(0.5)  # the underline's move, if animated
        assert app.later.active == "later-2"
        assert rows(app, app.later) == rows(app, app.now)
        assert app.activated.count(("later", "later-2")) == 1


class NoBar(LazyTabbedContent):
    """Never builds its bar: a tab chosen is shown by the panes alone."""

    def build_tabs(self) -> None:
        pass


async def test_a_pane_not_mounted_yet_is_mounted_and_shown_when_chosen() -> None:
    """The panes but the first are left out of the first frame; choosing
    one mounts them (hidden) and shows it, with no bar built."""
    app = Two(lazy=NoBar)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        assert [p.id for p in app.later.query(TabPane)] == ["later-0"]
        app.later.active = "later-2"
        await until(pilot, lambda: len(app.later.query(TabPane)) == 3)
        await until(pilot, lambda: app.later.query_one("#later-2").display)
        assert [p.id for p in app.later.query(TabPane) if p.display] == ["later-2"]
        assert "pane 2" in screen_text(app)


async def test_a_click_on_the_preview_chooses_the_tab_and_focuses_the_bar() -> None:
    app = Two()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        x = len(" 1 Messages  2 Offline ") + 2  # on " 3 Calls "
        await pilot.click("#later TabsPreview", offset=(x, 0))
        await until(pilot, lambda: app.later.active == "later-2")
        await until(pilot, lambda: isinstance(app.focused, ContentTabs))
        assert app.focused is app.later.query_one(ContentTabs)
        assert ("later", "later-2") in app.activated
        assert not app.later.query(TabsPreview)


async def test_right_on_the_focused_preview_moves_to_the_next_tab() -> None:
    app = Two(Held)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        app.later.query_one(TabsPreview).focus()
        await pilot.press("right")
        await until(pilot, lambda: app.later.active == "later-1")
        await until(pilot, lambda: isinstance(app.focused, ContentTabs))
        await pilot.press("left")
        await until(pilot, lambda: app.later.active == "later-0")


async def test_closing_while_the_bar_mounts_raises_nothing() -> None:
    app = Two()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        app.later.build_tabs()
        app.exit()
    assert app.return_code == 0


class Late(LateTabs):
    """A bar whose underline is left a cell off, then placed only when the
    test says (`place`): a loaded machine, where Textual places it a refresh
    or more after the bar is laid out, from wherever its tab is then."""

    held = True

    def _highlight_active(self, animate: bool = True) -> None:
        if self.held:
            underline = self.query_one(Underline)
            underline.highlight_start, underline.highlight_end = 2, 9
        else:
            super()._highlight_active(animate)

    def place(self) -> None:
        self.held = False
        self._highlight_active(animate=False)


class Frames(Two):
    """`Two`, keeping the lazy one's two bar lines of every frame drawn
    while `watching` (the preview there or not, the lines)."""

    def __init__(self, lazy: type[LazyTabbedContent], **kw: Any) -> None:
        super().__init__(lazy, **kw)
        self.watching = False
        self.frames: list[tuple[bool, list[list[tuple[str, Any]]]]] = []

    def _display(self, screen: Any, renderable: Any) -> None:
        if self.watching and renderable is not None and not self._batch_count:
            self.frames.append((bool(self.later.query(TabsPreview)), rows(self, self.later)[:2]))
        super()._display(screen, renderable)


class LateLazy(LazyTabbedContent):
    BAR = Late
    SHOW_CAP_S = 60  # (held by the test, not by the cap)

    @property
    def bar(self) -> Late:
        return self.query_one(Late)


@pytest.mark.parametrize("focused", [False, True])
async def test_the_bar_is_shown_only_once_its_underline_is_in_place(focused: bool) -> None:
    """Every frame from the build on draws the bar's two lines as Textual's
    settled bar does (focused too: the preview focused builds the bar, which
    takes the focus as it is shown): the preview's until the real bar's
    underline is under its tab, the real bar's after. (The swap once waited
    a fixed refresh: a loaded machine showed the underline out of place.)"""
    app = Frames(LateLazy)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        if focused:
            app.now.query_one(ContentTabs).focus()
            await pilot.pause()
        settled = rows(app, app.now)[:2]
        app.watching = True
        if focused:
            app.later.query_one(TabsPreview).focus()
        else:
            app.later.build_tabs()
        await until(pilot, lambda: app.later.tabs_ready)
        await pilot.pause(0.2)  # frames drawn meanwhile, the underline held
        assert app.later.query(TabsPreview)
        app.later.bar.place()
        await until(pilot, lambda: not app.later.query(TabsPreview))
        await pilot.pause(0.1)
        app.watching = False
        shown = [preview for preview, _ in app.frames]
        assert shown[:1] == [True] and not shown[-1]  # the preview, then the bar
        assert shown.count(True) >= 2  # (the preview kept while the underline was late)
        assert [i for i, (_, lines) in enumerate(app.frames) if lines != settled] == []
        assert (app.focused is app.later.query_one(ContentTabs)) == focused


async def test_the_bar_waiting_under_the_preview_takes_no_focus_and_follows_keys() -> None:
    """While the real bar waits for its underline, under the preview: the
    focus never goes to it, a tab chosen is drawn by the preview, and the
    bar is shown on that tab."""
    app = Two(LateLazy)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        app.later.build_tabs()
        await until(pilot, lambda: app.later.tabs_ready)
        for _ in range(4):
            app.screen.focus_next()
            assert not isinstance(app.focused, ContentTabs) or app.focused is app.now.query_one(
                ContentTabs
            )
        app.screen.set_focus(None)
        await pilot.pause()  # (a pane's focus chooses its tab: Textual's)
        app.now.active, app.later.active = "now-2", "later-2"
        await pilot.pause(0.2)
        assert app.later.query(TabsPreview)  # (still waiting)
        assert app.later.query_one(TabsPreview).active == "later-2"
        assert app.later.bar.active == "--content-tab-later-2"
        app.later.bar.place()
        await until(pilot, lambda: not app.later.query(TabsPreview))
        assert app.later.query_one(ContentTabs).active == "--content-tab-later-2"
        await pilot.pause(0.5)  # Textual's own underline's move, animated
        assert rows(app, app.later)[:2] == rows(app, app.now)[:2]
        assert app.activated.count(("later", "later-2")) == 1


class Never(LateTabs):
    """A bar whose underline is never placed."""

    def _highlight_active(self, animate: bool = True) -> None:
        pass


class NeverLazy(LazyTabbedContent):
    BAR = Never
    SHOW_CAP_S = 0.5


async def test_a_bar_never_alike_is_shown_at_the_cap() -> None:
    app = Two(NeverLazy)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        start = monotonic()
        app.later.build_tabs()
        await until(pilot, lambda: not app.later.query(TabsPreview))
        assert monotonic() - start >= NeverLazy.SHOW_CAP_S
        assert app.later.query_one(ContentTabs).focusable


async def test_the_console_starts_with_the_preview_and_a_key_builds_the_bar(
    busy_world: World,
) -> None:
    """The console's first frame has the preview, not Textual's bar; a tab
    key pressed before the start is over shows that tab at once (its view
    built, the real bar on it), and the bar is built once the start is over
    otherwise."""
    from chatsup.tui.app import ChatsupApp

    class Held(ChatsupApp):
        def started(self) -> None:  # the start never over: the bar waits for a key
            pass

    app = Held(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.query_one(LazyTabbedContent)
        await until(pilot, lambda: app.messages.table.row_count == 3)
        assert tabs.query(TabsPreview) and not tabs.query(ContentTabs)
        assert "1 Messages" in screen_text(app) and "3 Calls" in screen_text(app)
        # only the front pane in the first frame; the others found, not mounted
        assert [p.id for p in tabs.query(TabPane)] == ["messages"]
        assert tabs.get_pane("calls").id == "calls" and not tabs.get_pane("calls").is_attached
        await pilot.press("3")
        await until(pilot, lambda: app.built("calls") is not None)
        await until(pilot, lambda: not tabs.query(TabsPreview))
        assert tabs.active == "calls"
        assert tabs.query_one(ContentTabs).active == "--content-tab-calls"
        assert app.tab("calls").display and not app.messages.parent.display  # type: ignore[union-attr]

    app2 = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app2.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app2.messages.table.row_count == 3)
        await until(pilot, lambda: bool(app2.query(ContentTabs)))
        await until(pilot, lambda: not app2.query(TabsPreview))
        assert app2.query_one(TabbedContent).active == "messages"
        panes = app2.query(TabPane)
        assert len(panes) == 6 and [p.id for p in panes if p.display] == ["messages"]
