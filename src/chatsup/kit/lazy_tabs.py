"""A TabbedContent whose tab bar is drawn by one widget until first needed.

Textual's `TabbedContent` composes its tab bar (`ContentTabs`: eleven
widgets for six tabs) with the panes. This one draws a `TabsPreview`
(kit/tabs_preview.py: one widget, the same cells) in the first frame and
builds the real bar when `build_tabs` is called (the console: when its
start is over, ChatsupApp.started), or at once when it is needed sooner: a tab
chosen (`active` set: a key), a click on the preview, the focus, the mouse
over it. What was asked meanwhile is not lost: the pane is switched at
once, the preview draws it, and the real bar starts on it.

The real bar is mounted under the preview (drawn over it: visible, so laid
out, since Textual places its underline from its tab's region) and shown
only once it draws what the preview draws (`drawn_alike`: its tab active,
its underline under it and still), checked after each frame; at
`SHOW_CAP_S` it is shown anyway. Until then it takes no focus; a focused
preview hands its focus over as the bar is shown.

Until the bar is built, `active`, `active_pane` and `get_pane` work as
Textual's; the methods that change the tabs themselves (`add_pane`,
`disable_tab`, ...) need the bar built first (`build_tabs`, awaited).

The panes other than the one shown first are mounted later too
(`mount_panes`: with the bar, or when one is first asked for): five
hidden panes cost the first frame as much as the bar's widgets did
(issue 14, P7). `get_pane` finds one not mounted yet; code that mounts
into a pane awaits `mount_panes` first.
"""

from __future__ import annotations

import asyncio
from time import monotonic
from typing import Any, ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.widgets import TabbedContent, TabPane
from textual.widgets._content_switcher import ContentSwitcher
from textual.widgets._tabbed_content import ContentTab, ContentTabs
from textual.widgets._tabs import Tabs, Underline

from chatsup.kit.tabs_preview import TabsPreview

W = TypeVar("W")


class LateTabs(ContentTabs):
    """The tab bar mounted after the rest: its start skipped when its tabs
    are gone already (the app closing while it mounted: Textual's Tabs
    would raise, not finding the tab to start on)."""

    def _on_mount(self, event: events.Mount) -> None:
        # (Textual calls Tabs._on_mount after this one, unless prevented)
        if not self.query("#tabs-list > Tab"):
            event.prevent_default()


def drawn_alike(tabs: ContentTabs, preview: TabsPreview) -> bool:
    """Whether the real bar, shown now, draws what the preview draws: the
    preview's tab active (its class set), laid out where the preview draws
    its label, and the underline under it, not moving. (Textual places the
    underline after a refresh, from wherever the tab is laid out then, and
    again on each resize: on a loaded machine later than the first frame.)"""
    active = tabs.active_tab
    if active is None or ContentTab.sans_prefix(active.id or "") != preview.active:
        return False
    want = preview.lit()
    underline = tabs.query_one(Underline)
    animator = tabs.app.animator
    return (
        tabs.region == preview.region
        and active.virtual_region.shrink(active.styles.gutter).column_span == want
        and underline.show_highlight
        and (underline.highlight_start, underline.highlight_end) == want
        and not animator.is_being_animated(underline, "highlight_start")
        and not animator.is_being_animated(underline, "highlight_end")
    )


class LazyTabbedContent(TabbedContent):
    """`TabbedContent` with its tab bar built by `build_tabs` (see the module)."""

    BAR: ClassVar[type[LateTabs]] = LateTabs  # the real bar's class
    SHOW_CAP_S: ClassVar[float] = 2.0  # the real bar shown by then, alike or not
    RECHECK_S: ClassVar[float] = 1 / 60  # not alike yet: checked again (a frame)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.tabs_built = False  # build_tabs called (the bar mounting, or mounted)
        self.tabs_ready = False  # the bar mounted: Textual's own ways from now on
        self._mount_activation = False  # the bar's first TabActivated (its start) to drop
        self._shown_first = ""  # the tab the preview showed first (announced by nobody)
        self._later: list[TabPane] = []  # panes not mounted yet (`mount_panes`)
        self._mounting: asyncio.Future[None] | None = None  # mount_panes at work

    def compose(self) -> ComposeResult:
        panes = [
            self._set_id(pane, self._generate_tab_id())
            for pane in self._tab_content
            if isinstance(pane, TabPane)
        ]
        plain = len(panes) == len(self._tab_content) and all(
            not pane._title.spans for pane in panes
        )
        if self.tabs_built or not panes or not plain:  # (wanted before it was composed)
            self.tabs_built = self.tabs_ready = True
            yield from super().compose()
            return
        first = self._initial or panes[0].id or ""
        self.set_reactive(TabbedContent.active, first)
        self._shown_first = first
        yield TabsPreview([(pane.id or "", pane._title.plain) for pane in panes], first)
        self._later = [pane for pane in panes if pane.id != first]
        with ContentSwitcher(initial=first):
            yield from (pane for pane in panes if pane.id == first)

    async def mount_panes(self) -> None:
        """The panes not mounted yet, mounted now (hidden), if any; returns
        once they are (also when another call is mounting them)."""
        if self._mounting is not None:
            await asyncio.shield(self._mounting)
            return
        if not self._later or not self.is_attached or self._closing or self._pruning:
            return
        later, self._later = self._later, []
        done = self._mounting = asyncio.get_running_loop().create_future()
        try:
            for pane in later:
                pane.display = False  # as ContentSwitcher shows only its current
            await self.get_child_by_type(ContentSwitcher).mount_all(later)
        finally:
            self._mounting = None
            done.set_result(None)

    def get_pane(self, pane_id: str | ContentTab) -> TabPane:
        """Textual's, and a pane not mounted yet (`mount_panes`) found too."""
        wanted = (
            ContentTab.sans_prefix(pane_id.id or "") if isinstance(pane_id, ContentTab) else pane_id
        )
        for pane in self._later:
            if pane.id == wanted:
                return pane
        return super().get_pane(pane_id)

    def get_child_by_type(self, expect_type: type[W]) -> W:
        """Textual's, but its tab bar found as any ContentTabs (LateTabs
        too: Textual's lookup matches the exact class)."""
        if expect_type is ContentTabs:
            found = self.query_children(ContentTabs)
            if found:
                return found.first(expect_type)
        return super().get_child_by_type(expect_type)  # type: ignore[type-var]

    @property
    def preview(self) -> TabsPreview | None:
        found = self.query_children(TabsPreview)
        return found.first() if found else None

    def build_tabs(self) -> None:
        """The real tab bar in place of the preview, if it is not built yet
        (the preview stays on screen until the bar is drawn the same)."""
        if self.tabs_built:
            return
        preview = self.preview
        if preview is None:  # not composed yet: compose builds the bar itself
            self.tabs_built = True
            return
        if not self.is_attached or self._closing or self._pruning:  # being taken down
            return
        self.tabs_built = True
        self._mount_activation = True
        tabs = self.BAR(
            *[ContentTab(label, pane) for pane, label in preview.tabs],
            active=self.active,
            tabbed_content=self,
        )
        # laid out under the preview (drawn over it, being after it), so
        # Textual places its underline from where its tabs are (a hidden
        # widget has no region); not focused until shown
        tabs.can_focus = False
        mounted = self.mount(tabs, before=preview)

        async def swap() -> None:
            await self.mount_panes()  # (the bar's tabs switch to them)
            await mounted
            if not tabs.is_attached:  # (taken down meanwhile)
                return
            self.tabs_ready = True
            if self.active != self._shown_first:  # another chosen meanwhile: said now
                super(LazyTabbedContent, self)._watch_active(self.active)
            # after the frame in which the bar places its underline
            self.call_after_refresh(show, monotonic() + self.SHOW_CAP_S)

        async def show(cap: float) -> None:
            if not tabs.is_attached or not preview.is_attached:
                return
            if not drawn_alike(tabs, preview) and monotonic() < cap:
                # the preview kept: checked again after a frame
                self.set_timer(self.RECHECK_S, lambda: self.call_after_refresh(show, cap))
                return
            with self.app.batch_update():
                tabs.can_focus = True
                if self.screen.focused is preview:  # (a click, a key on it): the bar's now
                    self.screen.set_focus(tabs, scroll_visible=False)
                preview.display = False
            await preview.remove()

        self.call_later(swap)

    def _watch_active(self, active: str) -> None:
        preview = self.preview
        if preview is not None:  # (drawn until the real bar is shown)
            preview.show(active)
        if self.tabs_ready:
            super()._watch_active(active)
            return
        # the bar not built or still mounting: the pane now (once mounted, if
        # it was not yet), the bar (and TabActivated) once it is mounted
        if any(pane.id == active for pane in self._later) or self._mounting is not None:
            self.call_later(self._show_pane, active)
        else:
            self.get_child_by_type(ContentSwitcher).current = active
        self.build_tabs()

    async def _show_pane(self, active: str) -> None:
        await self.mount_panes()
        if self.active == active and self.is_attached and not self.tabs_ready:
            self.get_child_by_type(ContentSwitcher).current = active

    def _on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        # (Textual calls TabbedContent's handler after this one, unless prevented)
        if self._mount_activation and self._is_associated_tabs(event.tabs):
            # the bar's start: on what the pane shows already (a tab chosen
            # before, or while, it mounted is announced by `swap`)
            self._mount_activation = False
            event.stop()
            event.prevent_default()

    def on_tabs_preview_wanted(self, event: TabsPreview.Wanted) -> None:
        event.stop()
        self.build_tabs()

    def on_tabs_preview_chosen(self, event: TabsPreview.Chosen) -> None:
        event.stop()
        self.active = event.pane  # (builds the bar)
