"""A console closing while a tab's filter banner mounts ends quietly
(kit/safe_select.py). Found as a rare failure of test_lists.py's escape
test: the app closed as the other tabs were being built, and Textual's
Select raised NoMatches for its overlay from its Mount."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from textual.app import App

from chatsup.kit.filter_banner import FilterBanner


class Bare(App[None]):
    pass


async def test_closing_while_banners_mount_raises_nothing() -> None:
    app = Bare()
    async with app.run_test():  # leaving it closes the app: raises what the app raised
        for _ in range(5):
            app.mount(FilterBanner(ZoneInfo("UTC")))  # not awaited: still mounting
        await asyncio.sleep(0)  # (their mounts begin; the close comes before they end)


async def test_a_mounted_banner_still_has_its_choices() -> None:
    app = Bare()
    async with app.run_test() as pilot:
        banner = FilterBanner(ZoneInfo("UTC"))
        await app.mount(banner)
        await pilot.pause()
        select = banner.query_one("#fb-range")
        assert select.value == banner.preset and select.children  # type: ignore[attr-defined]
