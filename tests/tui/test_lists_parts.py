"""The pure parts of the lists: column fitting, chart ticks, words for
codes, the Calls summary, the monthly trim, report ranges as filters."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from rich.text import Text

from chatsup.domain.models import CallSummary
from chatsup.domain.rules import END_REASONS
from chatsup.kit.chart import nice_ticks
from chatsup.kit.filter_banner import parse_bound
from chatsup.kit.paged_table import Column, fit
from chatsup.kit.render import zone
from chatsup.tui.screens.calls import END_REASON_WORDS, summary_parts
from chatsup.tui.screens.messages import MessagesTab
from chatsup.tui.screens.reports.base import _bound
from chatsup.tui.screens.reports.monthly import since_first_activity


def test_every_end_reason_has_words() -> None:
    assert set(END_REASON_WORDS) == set(END_REASONS)
    assert all("_" not in w for w in END_REASON_WORDS.values())


def test_calls_summary_says_every_outcome_there_was() -> None:
    s = CallSummary(
        total=7, answered=2, missed=1, rejected=2, failed=1, ringing=1, total_duration_s=90
    )
    text = Text("  ").join(summary_parts(s)).plain
    for part in ("calls 7", "answered 2", "missed 1", "rejected 2", "failed 1", "ringing 1"):
        assert part in text, text
    quiet = (
        Text("  ")
        .join(summary_parts(CallSummary(total=1, answered=0, missed=1, total_duration_s=0)))
        .plain
    )
    assert "missed 1" in quiet and "answered 0" in quiet and "rejected" not in quiet


def test_nice_ticks_are_even() -> None:
    assert nice_ticks(462, 12) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(91, 9) == [0, 50, 100]
    assert nice_ticks(3, 9) == [0, 1, 2, 3]
    assert nice_ticks(0, 9) == [0, 1]
    for top in (1, 7, 13, 99, 462, 1234, 0.4):
        ticks = nice_ticks(top, 12)
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1 and ticks[-1] >= top


def test_columns_fit_by_priority_and_nothing_that_fits_is_cut() -> None:
    cols = MessagesTab.COLUMNS
    at80 = fit(cols, 78)
    assert [cols[i].label for i, _ in at80] == ["Time", "Advisor", "Visitor", "Status", "Last line"]
    assert dict(at80)[6] == len("unanswered")
    assert sum(w + 2 for _, w in at80) == 78  # the last line takes the rest
    at118 = [cols[i].label for i, _ in fit(cols, 118)]
    assert "Site" in at118 and "1st resp" in at118
    # a fixed column is never narrowed: it shows whole or not at all
    assert fit([Column("A", "a", 30), Column("B", "b", 30, priority=1)], 40) == [(0, 30)]


def test_monthly_starts_with_the_first_month_with_activity() -> None:
    zero = {"page_views": 0, "visitors": 0, "chats": 0, "calls": 0, "callbacks": 0}
    rows = [
        {**zero, "month": "2026-01"},
        {**zero, "month": "2026-02"},
        {**zero, "month": "2026-03", "chats": 4},
        {**zero, "month": "2026-04"},
    ]
    assert [r["month"] for r in since_first_activity(rows)] == ["2026-03", "2026-04"]
    assert [r["month"] for r in since_first_activity(rows[:2])] == ["2026-02"]


def test_report_ranges_become_filters() -> None:
    assert _bound("2026-11-18") == date(2026, 11, 18)
    assert _bound("2026-11-18T14:00:00+01:00") == datetime.fromisoformat(
        "2026-11-18T14:00:00+01:00"
    )
    assert _bound("2026-11") is None and _bound(None) is None


def test_custom_bounds_parse_days_and_times() -> None:
    tz = zone("Europe/Paris")
    assert parse_bound("2026-02-28", tz) == date(2026, 2, 28)
    assert parse_bound("2026-02-28 14:30", tz) == datetime(2026, 2, 28, 14, 30, tzinfo=tz)
    assert parse_bound(" ", tz) is None
    for bad in ("2026-02-30", "tomorrow", "2026-02-28 25:00"):
        try:
            parse_bound(bad, tz)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_flexible_columns_share_the_rest_up_to_their_most() -> None:
    cols = [
        Column("A", "a", 8),
        Column("Email", "e", min_width=22, max_width=36),
        Column("Notes", "n", min_width=10, priority=1),
    ]
    assert fit(cols, 40) == [(0, 8), (1, 28)]
    assert fit(cols, 80) == [(0, 8), (1, 36), (2, 30)]


def test_a_header_is_never_cut() -> None:
    assert fit([Column("Called nickname", "c", 14)], 40) == [(0, 15)]
