"""The console's start (issue 14, P7): the first page of the front list goes
out together with the start-up requests, one round trip before the first
rows instead of two, and the live stream opens after those rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import events
from textual.widgets._footer import FooterKey

from chatsup.kit.row_preview import RowPreview
from chatsup.tui.app import ChatsupApp, MainScreen
from tests.harness import World
from tests.tui.pilot import screen_text, until
from tests.tui.test_lists import banner_text, footer_text


async def test_first_page_goes_out_with_the_start_up_requests(busy_world: World) -> None:
    """All five go out together, before the first frame is built (on_load):
    the server answers while the console composes and mounts it."""
    seen: list[str] = []  # "> GET /v1/…" sent, "< GET /v1/…" answered, in order

    class Watched(ChatsupApp):
        def on_mount(self) -> None:  # (Textual calls ChatsupApp.on_mount after this)
            seen.append("mounted")

    app = Watched(busy_world.url, busy_world.sup_token)

    async def sent(request: Any) -> None:
        seen.append(f"> {request.method} {request.url.path}")

    async def answered(response: Any) -> None:
        seen.append(f"< {response.request.method} {response.request.url.path}")

    app.client._http.event_hooks = {"request": [sent], "response": [answered]}
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "My umbrella is broken" in screen_text(app))
        at_first_rows = list(seen)
    pages = [e for e in at_first_rows if e == "> GET /v1/conversations"]
    assert len(pages) == 1, at_first_rows  # asked once, not again by the tab
    first_answer = next(i for i, e in enumerate(at_first_rows) if e.startswith("<"))
    # sent before any start-up answer came back: not after health, advisors, sites
    assert at_first_rows.index("> GET /v1/conversations") < first_answer, at_first_rows
    for path in ("/v1/health", "/v1/agents", "/v1/sites", "/v1/events"):
        assert f"> GET {path}" in at_first_rows[:first_answer], at_first_rows
    # all sent while the frame was being built: before the app was mounted
    mounted = at_first_rows.index("mounted")
    assert sum(e.startswith(">") for e in at_first_rows[:mounted]) == 5, at_first_rows


async def test_the_first_frame_leaves_the_hidden_line_and_the_keys_for_after_the_rows(
    busy_world: World,
) -> None:
    """The first frame has no custom-date fields (hidden until asked for),
    draws no keys in the footer, and draws its first line (date range,
    pickers, search) with one widget: all come after the frame with the
    first rows. The date fields
    are built at once when a drill-down's dates need them sooner, and
    drawn with those dates."""
    before_rows: list[tuple[bool, int, bool]] = []

    class Watched(ChatsupApp):
        async def activate(self, name: str) -> None:
            if name == "messages" and not self.messages.loaded:  # the first rows go in now
                banner = self.messages.banner
                before_rows.append(
                    (
                        bool(banner.query("#fb-more")),
                        len(self.query(FooterKey)),
                        bool(banner.query("#fb-row")),  # its RowPreview till then
                    )
                )
            await super().activate(name)

    app = Watched(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.messages.banner
        await until(pilot, lambda: "My umbrella is broken" in screen_text(app))
        assert before_rows == [(False, 0, False)]
        await until(pilot, lambda: bool(banner.query("#fb-more")))
        await until(pilot, lambda: not banner.query("#fb-row-preview"))
        assert banner.query_one("#fb-row").display and banner.query_one("#fb-search").display
        await until(pilot, lambda: "/ Search" in footer_text(app) and "q Quit" in footer_text(app))
        offline = await app.build("offline")
        assert not offline.banner.query("#fb-more")  # built but never shown yet
        assert offline.banner.query("#fb-range") and not offline.banner.query(RowPreview)
        await app.show_tab("offline", since=date(2026, 2, 1), until=date(2026, 2, 3))
        await until(pilot, lambda: "2026-02-03" in banner_text(app, offline.banner))
        assert "2026-02-01" in banner_text(app, offline.banner)
        assert str(offline.filters.since) == "2026-02-01"


async def test_the_other_tabs_are_built_after_the_first_rows(world: World) -> None:
    """The preload (PRELOAD_AFTER_S after the first rows) builds every other
    tab before anyone asks for it; its coroutine is made only when its
    worker runs (none left un-awaited when the console closes first)."""
    from chatsup.tui.app import TABS

    app = ChatsupApp(world.url, world.sup_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: all(app.built(name) is not None for name, _, _ in TABS))


async def test_a_list_drawn_focused_is_not_drawn_again_as_it_takes_the_focus(
    busy_world: World,
) -> None:
    """The screen marks the list focused before the first frame; its Focus
    event comes after that frame. Textual repaints a widget on Focus: the
    list (every visible row) is not drawn again when it was drawn focused
    already, and is when it was drawn without the focus."""
    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count and app.focused is table)
        await pilot.pause(0.2)
        repaints: list[object] = []
        refresh = table.refresh

        def counted(*args: Any, **kw: Any) -> Any:
            repaints.append(args)
            return refresh(*args, **kw)

        table.refresh = counted  # type: ignore[method-assign]
        table.post_message(events.Focus())
        await pilot.pause(0.2)
        assert repaints == []  # drawn focused: nothing to draw again
        assert table.has_focus
        app.screen.set_focus(None)  # drawn without the focus now
        await pilot.pause(0.2)
        repaints.clear()
        table.post_message(events.Focus())
        await pilot.pause(0.2)
        assert repaints  # drawn again, with the focus


def styles_of(app: ChatsupApp) -> dict[int, tuple[str, object, object]]:
    """Every node's styles from the stylesheet, its own and its parts'."""
    return {
        id(node): (
            repr(node),
            dict(node.styles.base._rules),
            sorted((k, sorted(v.base._rules.items())) for k, v in node._component_styles.items()),
        )
        for node in app.screen.walk_children(with_self=True)
    }


async def test_the_first_frame_is_styled_as_a_full_restyle_would(busy_world: World) -> None:
    """MainScreen leaves out Textual's restyle of every widget when it is
    first shown (they were styled as they mounted, just before): as the
    first rows go in, restyling every node changes none of them. Both
    pictures are taken in that one moment, with no await between: the
    table taking the focus a moment later restyles it, rightly."""
    pictures: list[dict[int, tuple[str, object, object]]] = []

    class Watched(ChatsupApp):
        async def activate(self, name: str) -> None:
            await super().activate(name)
            if not pictures:
                assert isinstance(self.screen, MainScreen)
                pictures.append(styles_of(self))
                self.screen.update_node_styles(animate=False)
                pictures.append(styles_of(self))

    app = Watched(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(pictures))
        before, restyled = pictures
        changed = [before[k][0] for k in before if k in restyled and before[k] != restyled[k]]
        assert changed == []
        assert len(set(before) & set(restyled)) > 9  # the first frame's widgets (12), all compared
