"""The console's start (issue 14, P7): the first page of the front list goes
out together with the start-up requests, one round trip before the first
rows instead of two, and the live stream opens after those rows."""

from __future__ import annotations

from typing import Any

from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import until


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
