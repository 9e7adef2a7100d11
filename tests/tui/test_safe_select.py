"""A console closing while a tab's filter banner mounts ends quietly
(kit/safe_select.py). Found as rare failures of test_lists.py's tests: the
app closed while the other tabs were being built, and Textual's Select
raised NoMatches from its Mount (for its overlay, or for its current
value's label, depending on how far the teardown had gone)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest
from textual.app import App

from chatsup.kit.filter_banner import FilterBanner
from tests.tui.test_lists import banner_text


class Bare(App[None]):
    pass


@pytest.mark.parametrize("turns", range(8))
async def test_closing_while_banners_mount_raises_nothing(turns: int) -> None:
    app = Bare()
    async with app.run_test():  # leaving it closes the app: raises what the app raised
        for _ in range(5):
            app.mount(FilterBanner(ZoneInfo("UTC")))  # not awaited: still mounting
        for _ in range(turns):  # the close comes this far into their mounts
            await asyncio.sleep(0)


async def test_a_mounted_banner_still_has_its_choices() -> None:
    app = Bare()
    async with app.run_test() as pilot:
        banner = FilterBanner(ZoneInfo("UTC"))
        await app.mount(banner)
        await pilot.pause()
        # its range drawn, as chosen
        assert banner.labels[banner.preset] in banner_text(app, banner)
