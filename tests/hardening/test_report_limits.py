"""Reports cannot starve the server: a range is at most
server.report_max_days; out-of-range dates are a 422 on every filter; a
report runs on its own read pool (visitors never wait behind one) and stops
within a second of its client leaving."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.harness import World

ROWS = 1_000_000


@pytest.fixture
def heavy(tmp_path: Path) -> Iterator[World]:
    """A world with ROWS page views over the last 1000 days (a daily report
    over them takes ~1.5 s on this machine; each day once computed is cached,
    so each test gets its own)."""
    w = World(tmp_path)
    try:
        v, _ = w.visitor()
        assert v.post("/v1/widget/pageviews", json={"url": "https://x/"}).status_code == 201
        w.server.stop()
        with sqlite3.connect(w.settings.store.path) as c:
            ids = c.execute("SELECT session_id, visitor_id, site_id FROM page_views").fetchone()
            c.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                " INSERT INTO page_views(session_id, visitor_id, site_id, url, at)"
                " SELECT ?, ?, ?, 'u', ? - i * (86400.0 * 1000 / ?) FROM n",
                (ROWS, *ids, time.time(), ROWS),
            )
        w.server.start()
        yield w
    finally:
        w.close()


SINCE = (date.today() - timedelta(days=1000)).isoformat()


def session_start_ms(world: World) -> float:
    with world.http() as c:
        t = time.perf_counter()
        r = c.post("/v1/widget/sessions", json={"site_key": world.site_key})
        assert r.status_code == 201, r.text
        return (time.perf_counter() - t) * 1000


def test_visitors_do_not_wait_behind_reports(heavy: World) -> None:
    idle = statistics.median(session_start_ms(heavy) for _ in range(5))
    done: list[float] = []

    def report() -> None:
        t = time.perf_counter()
        with heavy.sup() as c:
            assert c.get("/v1/reports/daily", params={"since": SINCE}, timeout=60).is_success
        done.append(time.perf_counter() - t)

    threads = [threading.Thread(target=report) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    busy = [session_start_ms(heavy) for _ in range(5)]
    for t in threads:
        t.join()
    print(
        f"session start: idle {idle:.0f} ms, behind 4 reports {statistics.median(busy):.0f} ms"
        f" (max {max(busy):.0f}); reports took {min(done):.1f}-{max(done):.1f} s"
    )
    assert max(done) > 1.0  # the reports were really running meanwhile
    assert max(busy) < 500, busy


def test_a_report_stops_when_its_client_leaves(heavy: World) -> None:
    def abandon() -> None:
        with heavy.sup() as c, pytest.raises(httpx.ReadTimeout):
            c.get("/v1/reports/daily", params={"since": SINCE}, timeout=0.3)

    threads = [threading.Thread(target=abandon) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    left = time.perf_counter()
    # the report pool is free again: a small report answers at once
    with heavy.sup() as c:
        r = c.get("/v1/reports/daily", params={"since": date.today().isoformat()}, timeout=30)
    took = time.perf_counter() - left
    assert r.status_code == 200
    print(f"a small report after 4 abandoned heavy ones: {took * 1000:.0f} ms")
    assert took < 1.0
    # and within a second of the clients leaving, no report is running at all
    store = heavy.server.app.state.store
    while store.reports_running and time.perf_counter() - left < 1.0:
        time.sleep(0.01)
    assert store.reports_running == 0


REPORTS = [
    "/v1/reports/daily",
    "/v1/reports/monthly",
    "/v1/stats/visitors",
    "/v1/stats/agents",
    "/v1/stats/interactions",
    "/v1/stats/heatmap",
    "/v1/export/daily",
    "/v1/export/monthly",
]


@pytest.mark.parametrize("path", REPORTS)
def test_a_range_is_capped(world: World, path: str) -> None:
    with world.sup() as c:
        r = c.get(path, params={"since": "0001-01-01", "until": "9999-12-30"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "since", r.text
        r = c.get(path, params={"since": "2020-01-01", "until": "2023-01-01"})  # 1097 days
        assert r.status_code == 422 and "at most 1095 days" in r.json()["error"]["message"]
        r = c.get(path, params={"since": "2020-01-01"})  # to now: more than 1095 days
        assert r.status_code == 422
        r = c.get(path, params={"since": "2020-01-01", "until": "2022-12-30"})  # 1095 days
        assert r.status_code == 200, r.text


BAD_DATES = [
    "9999-12-31T23:59:59-14:00",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01",
    "9000-01-01",
]


@pytest.mark.parametrize("value", BAD_DATES)
def test_out_of_range_dates_are_422_everywhere(world: World, value: str) -> None:
    paths = [*REPORTS, "/v1/conversations", "/v1/visitors", "/v1/export/conversations"]
    with world.sup() as c:
        for path in paths:
            for field in ("since", "until"):
                r = c.get(path, params={field: value})
                assert r.status_code == 422, (path, field, r.status_code, r.text)
                assert r.json()["error"]["field"] == field
    _, s = world.visitor()
    with world.http(world.agent_token) as a:
        r = a.post(
            "/v1/callbacks",
            json={"visitor_id": s["visitor_id"], "phone": "+33 1 23", "scheduled_for": value},
        )
        assert r.status_code == 422 and r.json()["error"]["field"] == "scheduled_for", r.text


def test_an_export_checks_every_filter_before_the_first_byte(world: World) -> None:
    with world.sup() as c:
        for kind in ("conversations", "offline-messages", "calls"):
            r = c.get(f"/v1/export/{kind}", params={"status": "bogus"})
            assert r.status_code == 422, (kind, r.status_code, r.text)
            assert r.json()["error"]["field"] == "status"
        assert c.get("/v1/conversations", params={"status": "bogus"}).status_code == 422
        assert c.get("/v1/export/conversations", params={"status": "open"}).status_code == 200
