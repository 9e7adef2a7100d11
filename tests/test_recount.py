"""Every figure of every report and statistic equals a plain recount of the
rows the test wrote (tests/recount.py: irregular activity, recounted in
plain Python) — for dates and datetimes, in UTC, Europe/Paris and
Australia/Adelaide (a 30-minute offset, and daylight saving in the other
half of the year), both daylight-saving days of 2026, a range that includes
today, and advisor and site filters. Hour-of-day figures sum to the daily
ones of the same range."""

from __future__ import annotations

import math
import random
import time
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.harness import World
from tests.recount import DAY, HOUR, History, Recount, Scope

# zone → (the day clocks go back, the day they go forward) in 2026
ZONES = {
    "UTC": (date(2026, 10, 25), date(2026, 3, 29)),
    "Europe/Paris": (date(2026, 10, 25), date(2026, 3, 29)),
    "Australia/Adelaide": (date(2026, 4, 5), date(2026, 10, 4)),
}


def same(got: Any, want: Any, where: str = "") -> None:
    """Equal, with float figures equal to rounding."""
    if isinstance(want, float) or isinstance(got, float):
        assert got is not None and want is not None, f"{where}: {got!r} != {want!r}"
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6), f"{where}: {got} != {want}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: {got} != {want}"
        for k in want:
            same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got} != {want}"
        for i, (g, x) in enumerate(zip(got, want, strict=True)):
            same(g, x, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.fixture(params=list(ZONES))
def zoned(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, History]]:
    zone = request.param
    tz = ZoneInfo(zone)
    world = World(tmp_path, timezone=zone)
    try:
        with world.sup() as c:
            agents = [a["id"] for a in c.get("/v1/agents").json()["items"]]
        now = time.time()
        h = History(
            tz, [world.site_id, world.site2_id], agents, now, seed=zlib.crc32(zone.encode())
        )
        back, fwd = ZONES[zone]
        today = datetime.fromtimestamp(now, tz).date()
        times: list[float] = []
        chats: dict[float, float | None] = {}
        for d in (back, fwd):
            times += h.span(h.local(d - timedelta(days=1)), h.local(d + timedelta(days=2)), 60)
            # the night of the change, hour by hour (both passes of a repeated hour)
            for fold in (0, 1):
                for hh in range(5):
                    t = datetime(d.year, d.month, d.day, hh, 30, tzinfo=tz, fold=fold).timestamp()
                    times.append(t)
                    chats[t] = None
            t = h.local(d - timedelta(days=1), 23, 50)  # a chat across midnight
            times.append(t)
            chats[t] = 20 * 60.0
        times += h.span(h.local(today - timedelta(days=3)), now, 50)  # up to today
        for k in range(4):  # a few quiet days in between
            d = date(2026, 6, 1) + timedelta(days=30 * k)
            times += h.span(h.local(d), h.local(d + timedelta(days=1)), 8)
        late = now - 9 * DAY  # answered 8.8 days later
        times.append(late)
        chats[late] = 8.8 * DAY
        h.plan(times, chats)
        h.write(world.server.app.state.store)
        yield world, h
    finally:
        world.close()


def ranges(h: History, rng: random.Random) -> list[tuple[str, str]]:
    tz = h.tz
    back, fwd = ZONES[str(tz)]
    today = datetime.fromtimestamp(h.now, tz).date()

    def iso(t: float) -> str:
        return datetime.fromtimestamp(t, ZoneInfo("UTC")).isoformat()

    out = [
        ((back - timedelta(days=1)).isoformat(), (back + timedelta(days=1)).isoformat()),
        (fwd.isoformat(), fwd.isoformat()),
        (back.isoformat(), back.isoformat()),
        ((today - timedelta(days=3)).isoformat(), today.isoformat()),
        (min(back, fwd).isoformat(), today.isoformat()),
        (iso(h.local(back) + 10 * 60), iso(h.local(back) + 100 * 60)),
        (iso(h.local(fwd) - 2 * HOUR + 7 * 60), iso(h.local(fwd) + 5 * HOUR + 60)),
        (iso(h.now - 2 * DAY - 1234), iso(h.now + HOUR)),
    ]
    first = h.local(min(back, fwd) - timedelta(days=2))
    for _ in range(3):
        a, b = sorted(rng.uniform(first, h.now) for _ in range(2))
        da = datetime.fromtimestamp(a, tz).date()
        db = datetime.fromtimestamp(b, tz).date()
        out.append((da.isoformat(), min(db, da + timedelta(days=40)).isoformat()))
        out.append((iso(a), iso(min(b, a + 20 * DAY))))
    return out


def scope(h: History, since: str, until: str, site: int | None, agent: int | None) -> Scope:
    tz = h.tz

    def bound(v: str, upper: bool) -> float:
        if len(v) == 10:
            d = date.fromisoformat(v) + timedelta(days=1 if upper else 0)
            return h.local(d)
        return datetime.fromisoformat(v).timestamp()

    del tz
    return Scope(bound(since, False), bound(until, True), site, agent)


def test_every_figure_equals_a_recount(zoned: tuple[World, History]) -> None:
    world, h = zoned
    with world.sup() as c:
        sites = {s["id"]: s["name"] for s in c.get("/v1/sites").json()["items"]}
        agents = {a["id"]: a["name"] for a in c.get("/v1/agents").json()["items"]}
        rc = Recount(h, sites, agents)
        a1, a2 = sorted(agents)[:2]
        filters: list[tuple[int | None, int | None]] = [
            (None, None),
            (world.site_id, None),
            (None, a1),
            (world.site2_id, a2),
        ]
        rng = random.Random(7)
        checked = 0
        for n, (since, until) in enumerate(ranges(h, rng)):
            for site, agent in (filters[n % 4], filters[(n + 1) % 4]):
                sc = scope(h, since, until, site, agent)
                params: dict[str, Any] = {"since": since, "until": until}
                if site is not None:
                    params["site_id"] = site
                if agent is not None:
                    params["agent_id"] = agent
                where = f"{since}..{until} site={site} agent={agent}"

                def get(path: str, **extra: Any) -> Any:
                    r = c.get(path, params={**params, **extra})  # noqa: B023
                    assert r.status_code == 200, r.text
                    return r.json()

                daily = get("/v1/reports/daily")
                same({k: daily[k] for k in ("rows", "totals")}, rc.report(sc, False), where)
                if len(since) == 10:
                    assert (daily["since"], daily["until"]) == (since, until)
                else:
                    assert datetime.fromisoformat(daily["since"]).timestamp() == sc.lo
                    assert datetime.fromisoformat(daily["until"]).timestamp() == sc.hi
                monthly = get("/v1/reports/monthly")
                same({k: monthly[k] for k in ("rows", "totals")}, rc.report(sc, True), where)
                vs = get("/v1/stats/visitors")
                want = rc.visitor_stats(sc)
                same(vs["days"], want["days"], where)
                same(vs["totals"], want["totals"], where)
                for k in ("by_site", "by_browser", "by_os", "by_country"):
                    got = {b["key"]: (b["visits"], b["visitors"]) for b in vs[k]}
                    same(got, want[k], f"{where} {k}")
                same(get("/v1/stats/agents")["rows"], rc.agent_stats(sc), where)
                by_day = get("/v1/stats/interactions", by="day")["rows"]
                same(by_day, rc.interactions(sc, rc.day, rc.days(sc)), f"{where} by day")
                by_hour = get("/v1/stats/interactions", by="hour")["rows"]
                same(by_hour, rc.interactions(sc, rc.hour, list(range(24))), f"{where} by hour")
                for k in ("chats", "offline_messages", "unanswered"):
                    assert sum(r[k] for r in by_hour) == sum(r[k] for r in by_day), (where, k)
                same(get("/v1/stats/heatmap")["rows"], rc.heatmap(sc), f"{where} heatmap")
                # the drill-down to Visitors lists exactly the visitors counted
                # (the range's visitors; an advisor's visitors presented)
                listed: set[int] = set()
                cursor = None
                while True:
                    page = get("/v1/visitors", limit=500, **({"cursor": cursor} if cursor else {}))
                    listed |= {v["id"] for v in page["items"]}
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                assert listed == {s.visitor for s in rc.sessions(sc)}, where
                assert len(listed) == daily["totals"]["visitors"], where
                if agent is not None:
                    row = get("/v1/stats/agents")["rows"][0]
                    assert row["visitors_presented"] == len(listed), where
                checked += 1
    assert checked >= 28
    # the crafted hard cases were there to be counted
    assert any(len(cv.waits()) > 1 for cv in h.convs)
    assert any(
        cv.holder is not None and cv.holder != cv.presented and cv.presented is not None
        for cv in h.convs
    )
    assert any(w[2] > 8 * DAY for cv in h.convs for w in cv.waits())


def test_demo_data_hours_add_up_to_days(tmp_path: Path) -> None:
    """The demo history over the October change (Paris): hour-of-day figures
    and the heatmap add up to the daily ones, with the cache and without."""
    from chatsup.server.seed import seed_demo
    from chatsup.server.store import ListFilter, Store
    from chatsup.server.store import reports as rp

    paris = ZoneInfo("Europe/Paris")
    now = datetime(2026, 10, 28, 12, tzinfo=paris).timestamp()
    store = Store.open(tmp_path / "demo.db", tz=paris)
    try:
        seed_demo(store, days=6, scale=1.0, seed=11, now=now)
        lo = datetime(2026, 10, 24, tzinfo=paris).timestamp()
        hi = datetime(2026, 10, 27, tzinfo=paris).timestamp()
        f = ListFilter(lo, hi)
        for _ in range(2):  # the second time from the cache
            by_day = store.read_sync(rp.interaction_stats, f, "day")["rows"]
            by_hour = store.read_sync(rp.interaction_stats, f, "hour")["rows"]
            grid = store.read_sync(rp.heatmap, f)["rows"]
            for k in ("chats", "offline_messages", "unanswered"):
                assert sum(r[k] for r in by_hour) == sum(r[k] for r in by_day), k
            assert sum(map(sum, grid)) == sum(r["chats"] for r in by_day)
        cache, store.report_cache = store.report_cache, None
        assert store.read_sync(rp.interaction_stats, f, "hour")["rows"] == by_hour
        store.report_cache = cache
    finally:
        store.close()
