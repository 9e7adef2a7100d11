"""The console's start (issue 14, P7): the first page of the front list goes
out together with the start-up requests, one round trip before the first
rows instead of two, and the live stream opens after those rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import until
from tests.tui.test_lists import banner_text


def screen_text(app: Any) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def test_first_page_goes_out_with_the_start_up_requests(busy_world: World) -> None:
    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    seen: list[str] = []  # "> GET /v1/…" sent, "< GET /v1/…" answered, in order

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


async def test_the_banners_hidden_second_line_is_built_after_the_first_rows(
    busy_world: World,
) -> None:
    """The first frame has no custom-date fields (hidden until asked for):
    they are built after the frame with the first rows, or at once when a
    drill-down's dates need them sooner, and drawn with those dates."""
    built_before_rows: list[bool] = []

    class Watched(ChatsupApp):
        async def activate(self, name: str) -> None:
            if name == "messages" and not self.messages.loaded:  # the first rows go in now
                built_before_rows.append(bool(self.messages.banner.query("#fb-more")))
            await super().activate(name)

    app = Watched(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.messages.banner
        await until(pilot, lambda: "My umbrella is broken" in screen_text(app))
        assert built_before_rows == [False]
        await until(pilot, lambda: bool(banner.query("#fb-more")))
        offline = await app.build("offline")
        assert not offline.banner.query("#fb-more")  # built but never shown yet
        await app.show_tab("offline", since=date(2026, 2, 1), until=date(2026, 2, 3))
        await until(pilot, lambda: "2026-02-03" in banner_text(app, offline.banner))
        assert "2026-02-01" in banner_text(app, offline.banner)
        assert str(offline.filters.since) == "2026-02-01"
