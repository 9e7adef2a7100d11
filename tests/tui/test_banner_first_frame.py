"""The banner's date range in the first frame (issue 14, P7): a list's banner
draws it with one SelectPreview until its Select is built (right after the
first rows, or at once when something needs it). The cells drawn are the
Select's own, in every theme; what is chosen meanwhile is kept."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Select

from chatsup.kit.filter_banner import FilterBanner
from chatsup.kit.select_preview import SelectPreview
from tests.tui.pilot import until


class Two(App[None]):
    """A banner built as it always was above one that builds its range later."""

    AUTO_FOCUS = None  # as in the console: the list has the focus, not a banner

    def compose(self) -> ComposeResult:
        yield FilterBanner(ZoneInfo("UTC"), id="now")
        yield FilterBanner(ZoneInfo("UTC"), range_later=True, id="later")


def cells(app: App[None], banner: FilterBanner) -> list[tuple[str, Any]]:
    """The banner's first line as drawn: each cell's character and style
    (the mouse's offsets, which nobody sees, left out)."""
    strip = app.screen._compositor.render_strips()[banner.region.y]
    r = banner.region
    out = [(ch, seg.style and seg.style.clear_meta_and_links()) for seg in strip for ch in seg.text]
    return out[r.x : r.right]


@pytest.mark.parametrize("ansi", [False, True])
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "gruvbox"])
async def test_the_preview_draws_the_cells_the_select_draws(theme: str, ansi: bool) -> None:
    app = Two(ansi_color=ansi)
    async with app.run_test(size=(100, 4)) as pilot:
        app.theme = theme
        now, later = app.query_one("#now", FilterBanner), app.query_one("#later", FilterBanner)
        await pilot.pause()
        assert later.query(SelectPreview) and not later.query("#fb-range")
        assert cells(app, later) == cells(app, now)
        later.build_range()
        await until(pilot, lambda: not later.query(SelectPreview))
        await pilot.pause()
        assert isinstance(later.query_one("#fb-range"), Select)
        assert cells(app, later) == cells(app, now)


async def test_what_is_chosen_before_the_select_is_built_is_kept() -> None:
    """A drill-down's dates before the Select exists: drawn by the preview,
    then chosen in the Select; `f` (focus_first) builds it at once and
    focuses it."""
    app = Two()
    async with app.run_test(size=(100, 4)) as pilot:
        now, later = app.query_one("#now", FilterBanner), app.query_one("#later", FilterBanner)
        await pilot.pause()
        for banner in (now, later):
            banner.drill(since=date(2026, 2, 1), until=date(2026, 2, 3))
        await pilot.pause()
        assert later.filters == now.filters and str(later.filters.since) == "2026-02-01"
        assert "".join(c for c, _ in cells(app, later)[:18]).startswith("Custom…")
        assert cells(app, later)[:18] == cells(app, now)[:18]
        later.focus_first()
        await until(pilot, lambda: app.focused is later.query("#fb-range").first())
        assert later.query_one("#fb-range", Select).value == "custom"
        assert later.filters == now.filters


async def test_a_click_on_the_preview_opens_the_select() -> None:
    app = Two()
    async with app.run_test(size=(100, 4)) as pilot:
        later = app.query_one("#later", FilterBanner)
        await pilot.pause()
        await pilot.click("#fb-range-preview")
        await until(pilot, lambda: bool(later.query("#fb-range")))
        await until(pilot, lambda: later.query_one("#fb-range", Select).expanded)


async def test_a_drill_down_while_the_select_mounts_is_drawn_by_it() -> None:
    """Dates drilled in the moment the Select is being mounted: it is given
    them once mounted (Textual's Select, set while its parts are composed,
    draws nothing or raises), and draws them."""
    app = Two()
    async with app.run_test(size=(100, 4)) as pilot:
        now, later = app.query_one("#now", FilterBanner), app.query_one("#later", FilterBanner)
        await pilot.pause()
        later.build_range()
        for banner in (now, later):
            banner.drill(since=date(2026, 2, 1), until=date(2026, 2, 3))
        await until(pilot, lambda: later.range_ready and not later.query(SelectPreview))
        await pilot.pause()
        assert later.query_one("#fb-range", Select).value == "custom"
        assert "".join(c for c, _ in cells(app, later)[:18]).startswith("Custom…")
        assert cells(app, later)[:18] == cells(app, now)[:18]
        assert later.filters == now.filters
