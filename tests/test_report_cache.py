"""Reports keep the figures of ended buckets between requests (the store's
BucketCache). The figures must stay exactly those of a fresh computation:
rows written into an ended bucket (a clock set back) are counted, and a
range that runs into today adds today's rows — visitors counted once."""

from __future__ import annotations

import math
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.harness import World

PARIS = ZoneInfo("Europe/Paris")


def daily(world: World, since: str, until: str) -> dict:
    with world.sup() as c:
        r = c.get("/v1/reports/daily", params={"since": since, "until": until})
        assert r.status_code == 200, r.text
        return r.json()


def test_cached_days_stay_true(world: World) -> None:
    store = world.server.app.state.store
    cache = store.report_cache
    today = datetime.now(PARIS).date()
    days_ago = today - timedelta(days=3)
    noon = datetime.combine(days_ago, datetime.min.time(), PARIS).replace(hour=12).timestamp()
    store.clock = lambda: noon
    v, s = world.visitor()
    with v:
        v.post("/v1/widget/pageviews", json={"url": "https://shop/1"})
        since, until = days_ago.isoformat(), today.isoformat()
        first = daily(world, since, until)
        row = next(r for r in first["rows"] if r["date"] == since)
        assert (row["page_views"], row["visitors"]) == (1, 1)
        hits = cache.hits
        again = daily(world, since, until)
        assert again == first
        assert cache.hits > hits  # the ended days came from the cache
        # a page view written into that ended day (the clock set back): counted
        store.clock = lambda: noon + 60
        v.post("/v1/widget/pageviews", json={"url": "https://shop/2"})
    row = next(r for r in daily(world, since, until)["rows"] if r["date"] == since)
    assert row["page_views"] == 2
    # the same visitor back today, and a new one: the range's distinct total is 2
    store.clock = time.time
    with world.http() as c:
        c.post(
            "/v1/widget/sessions", json={"site_key": world.site_key, "visitor_token": s["token"]}
        )
    world.visitor()[0].close()
    report = daily(world, since, until)
    today_row = next(r for r in report["rows"] if r["date"] == today.isoformat())
    assert today_row["visitors"] == 2
    assert report["totals"]["visitors"] == 2
    assert report["totals"]["page_views"] == 2
    # and the same figures with no cache at all
    store.report_cache = None
    assert daily(world, since, until) == report


def interactions(world: World, day: str) -> dict:
    with world.sup() as c:
        r = c.get("/v1/stats/interactions", params={"since": day, "until": day})
        assert r.status_code == 200, r.text
        return r.json()["rows"][0]


def test_a_day_with_an_open_chat_is_not_kept(world: World) -> None:
    """A conversation changes until it ends: its day is computed afresh until
    then (an answer comes after the day was first reported)."""
    store = world.server.app.state.store
    day = datetime.now(PARIS).date() - timedelta(days=2)
    noon = datetime.combine(day, datetime.min.time(), PARIS).replace(hour=12).timestamp()
    store.clock = lambda: noon
    v, _ = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hello?"}).json()["conversation_id"]
    first = interactions(world, day.isoformat())
    assert (first["chats"], first["unanswered"]) == (1, 1)
    store.clock = lambda: noon + 90
    with world.http(world.agent_token) as a:
        assert (
            a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "hi"}).status_code
            == 201
        )
        after = interactions(world, day.isoformat())
        assert (after["chats"], after["unanswered"], after["avg_first_response_s"]) == (1, 0, 90)
        assert a.post(f"/v1/agent/conversations/{cid}/end").status_code == 200
    ended = interactions(world, day.isoformat())
    assert interactions(world, day.isoformat()) == ended == after  # now kept, and still true


def test_ended_ranges_of_agent_and_visitor_stats_stay_true(world: World) -> None:
    store = world.server.app.state.store
    day = datetime.now(PARIS).date() - timedelta(days=3)
    noon = datetime.combine(day, datetime.min.time(), PARIS).replace(hour=12).timestamp()
    params = {"since": day.isoformat(), "until": day.isoformat()}

    def stats() -> tuple[dict, dict]:
        with world.sup() as c:
            agents = {
                r["agent"]["id"]: r for r in c.get("/v1/stats/agents", params=params).json()["rows"]
            }
            visitors = c.get("/v1/stats/visitors", params=params).json()
        return agents, visitors

    store.clock = lambda: noon
    v, _ = world.visitor(
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    )
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hello?"}).json()["conversation_id"]
    with world.http(world.agent_token) as a:
        a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "hi"})
        a.post(f"/v1/agent/conversations/{cid}/end")
    agents, visitors = stats()
    assert agents[world.agent_id]["answered"] == 1
    assert sum(r["visits"] for r in visitors["by_browser"]) == 1
    hits = store.report_cache.hits
    assert stats() == (agents, visitors)
    assert store.report_cache.hits > hits
    # another visit and chat written into that ended day: both reports see it
    store.clock = lambda: noon + 300
    v2, _ = world.visitor()
    with v2:
        cid2 = v2.post("/v1/widget/messages", json={"body": "me too"}).json()["conversation_id"]
    with world.http(world.agent_token) as a:
        a.post(f"/v1/agent/conversations/{cid2}/messages", json={"body": "hello"})
        a.post(f"/v1/agent/conversations/{cid2}/end")
    agents, visitors = stats()
    assert agents[world.agent_id]["answered"] == 2
    assert sum(r["visits"] for r in visitors["by_browser"]) == 2


def test_agent_stats_past_kept_plus_today_equal_a_fresh_computation(world: World) -> None:
    store = world.server.app.state.store
    today = datetime.now(PARIS).date()
    day = today - timedelta(days=3)
    noon = datetime.combine(day, datetime.min.time(), PARIS).replace(hour=12).timestamp()
    params = {"since": day.isoformat(), "until": today.isoformat()}
    store.clock = lambda: noon
    with world.http(world.agent_token) as a:
        a.post("/v1/agent/presence", json={"status": "online"})  # presented to visitors
        v, s = world.visitor()
        with v:
            cid = v.post("/v1/widget/messages", json={"body": "a"}).json()["conversation_id"]
        store.clock = lambda: noon + 30
        a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "b"})
        a.post(f"/v1/agent/conversations/{cid}/end")
        with world.sup() as c:
            c.get("/v1/stats/agents", params=params)  # keeps the past part
        store.clock = time.time  # today: the same visitor again, and a new one
        with world.http() as c:
            c.post(
                "/v1/widget/sessions",
                json={"site_key": world.site_key, "visitor_token": s["token"]},
            )
        v2, _ = world.visitor()
        with v2:
            cid2 = v2.post("/v1/widget/messages", json={"body": "c"}).json()["conversation_id"]
        a.post(f"/v1/agent/conversations/{cid2}/messages", json={"body": "d"})
    with world.sup() as c:
        kept = c.get("/v1/stats/agents", params=params).json()
        store.report_cache = None
        fresh = c.get("/v1/stats/agents", params=params).json()
    assert kept == fresh
    alice = next(r for r in kept["rows"] if r["agent"]["id"] == world.agent_id)
    assert (alice["chats"], alice["answered"]) == (2, 2)
    assert alice["visitors_presented"] == 2  # the returning visitor counted once


# -- every write the product makes to the past keeps every figure true ---------

FIGURES = (
    ("/v1/reports/daily", {}),
    ("/v1/reports/monthly", {}),
    ("/v1/stats/visitors", {}),
    ("/v1/stats/agents", {}),
    ("/v1/stats/interactions", {"by": "day"}),
    ("/v1/stats/interactions", {"by": "hour"}),
    ("/v1/stats/heatmap", {}),
)


def figures(world: World, ranges: list[dict]) -> list[dict]:
    out = []
    with world.sup() as c:
        for rng in ranges:
            for extra in ({}, {"agent_id": world.agent_id}, {"site_id": world.site2_id}):
                for path, more in FIGURES:
                    r = c.get(path, params={**rng, **extra, **more})
                    assert r.status_code == 200, r.text
                    out.append(r.json())
    return out


def assert_true(world: World, ranges: list[dict]) -> list[dict]:
    """The figures served (cache on) equal a cache-less computation, and so
    do those served from the store's kept figures alone (memory emptied)."""
    from chatsup.server.store.report_cache import BucketCache

    store = world.server.app.state.store
    cached = figures(world, ranges)
    settle(store)
    cache = store.report_cache
    try:
        store.report_cache = BucketCache(persist=store.keep_rollups)
        kept = figures(world, ranges)
        store.report_cache = None
        fresh = figures(world, ranges)
    finally:
        store.report_cache = cache
    assert cached == fresh
    assert kept == fresh
    return cached


def test_every_past_write_keeps_every_figure_true(world: World) -> None:
    from chatsup.server.store import conversations as conversations_store
    from chatsup.server.store import events as events_store
    from chatsup.server.store import messages as messages_store
    from chatsup.server.store import visitors as visitors_store
    from chatsup.server.store import visits as visits_store
    from tests.recount import History

    store = world.server.app.state.store
    now = time.time()
    today = datetime.now(PARIS).date()
    h = History(PARIS, [world.site_id, world.site2_id], [world.agent_id, world.agent2_id], now, 3)
    h.plan(h.span(h.local(today - timedelta(days=6)), now, 40), {})
    h.write(store)

    def at_day(days_ago: int, hour: int) -> float:
        return h.local(today - timedelta(days=days_ago), hour)

    # open chats in ended days, a call, before the figures are first kept
    store.clock = lambda: at_day(4, 10)
    v1, _ = world.visitor()
    c1 = v1.post("/v1/widget/messages", json={"body": "anyone?"}).json()["conversation_id"]
    store.clock = lambda: at_day(3, 23)
    v2, _ = world.visitor(world.site2_key)
    c2 = v2.post("/v1/widget/messages", json={"body": "late"}).json()["conversation_id"]
    store.clock = lambda: at_day(2, 9)
    v3, s3 = world.visitor()
    c3 = v3.post("/v1/widget/messages", json={"body": "hm"}).json()["conversation_id"]
    agent = world.http(world.agent_token)
    call = agent.post("/v1/calls", json={"visitor_id": s3["visitor_id"]})
    assert call.status_code == 201, call.text
    store.clock = time.time
    ranges = [
        {"since": (today - timedelta(days=6)).isoformat(), "until": today.isoformat()},
        {
            "since": (today - timedelta(days=5)).isoformat(),
            "until": (today - timedelta(days=1)).isoformat(),
        },
        {
            "since": datetime.fromtimestamp(at_day(4, 9) + 600, PARIS).isoformat(),
            "until": datetime.fromtimestamp(at_day(2, 11), PARIS).isoformat(),
        },
    ]
    assert_true(world, ranges)
    hits = store.report_cache.hits
    assert_true(world, ranges)
    assert store.report_cache.hits > hits  # ended buckets came from the cache

    # an answer today to a chat of four days ago: the wait began back then
    r = agent.post(f"/v1/agent/conversations/{c1}/messages", json={"body": "sorry"})
    assert r.status_code == 201
    assert_true(world, ranges)
    # the visitor writes again in that old chat, and the agent ends it
    v1.post("/v1/widget/messages", json={"body": "thanks"})
    assert_true(world, ranges)
    agent.post(f"/v1/agent/conversations/{c1}/end")
    assert_true(world, ranges)
    # the old call is answered and ended
    cid = call.json()["id"]
    agent.patch(f"/v1/calls/{cid}", json={"state": "answered"})
    agent.patch(f"/v1/calls/{cid}", json={"state": "ended", "end_reason": "hangup"})
    assert_true(world, ranges)
    # another process writes: an answer to an old chat, a page view in the past
    other = world.open_store(tz=PARIS)
    try:
        other.write_sync(
            messages_store.agent_message,
            world.agent2_id,
            c2,
            messages_store.NewMessage("from elsewhere", at=at_day(1, 8)),
        )
        other.write_sync(
            visits_store.add_pageview, s3["session_id"], "https://shop/x", None, at_day(2, 10)
        )
        other.write_sync(conversations_store.end_conversation, c3, at_day(2, 10))
    finally:
        other.close()
    assert_true(world, ranges)
    # a visit and chat written into an ended day (a clock set back)
    store.clock = lambda: at_day(5, 14)
    v4, _ = world.visitor(world.site2_key)
    v4.post("/v1/widget/pageviews", json={"url": "https://blog/1"})
    v4.post("/v1/widget/messages", json={"body": "back then"})
    store.clock = time.time
    assert_true(world, ranges)
    # retention and profile deletion change no figure, and keep them true
    store.write_sync(events_store.prune_events, time.time() - 2 * 86400)
    store.write_sync(visitors_store.put_profile, s3["visitor_id"], {"name": "Zoé"})
    store.write_sync(visitors_store.delete_profile, s3["visitor_id"])
    before = assert_true(world, ranges)
    # and after a restart
    world.server.restart()
    assert assert_true(world, ranges) == before


def test_touches_are_pruned_and_older_figures_recomputed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The touch log keeps its newest KEEP_TOUCHES rows; a figure kept before
    the pruned ones can no longer be vouched for, so it is recomputed."""
    from chatsup.server.store import touches as rc

    monkeypatch.setattr(rc, "KEEP_TOUCHES", 5)
    monkeypatch.setattr(rc, "PRUNE_EVERY", 4)
    store = world.server.app.state.store
    past = time.time() - 86400

    def many(tx: Any) -> None:
        for i in range(20):
            rc.touch(tx, "page_views", past - i)

    store.write_sync(many)

    def look(rx: Any) -> tuple[int, float | None, float | None]:
        kept = rx.scalar("SELECT count(*) FROM report_touches")
        old = rc.touched_since(rx, "page_views", 3).earliest
        return kept, old, rc.touched_since(rx, "page_views", 18).earliest

    kept, old, recent = store.read_sync(look)
    assert kept == 5  # 20 touches, the last pruning (at the 20th) kept 16..20
    assert old == -math.inf
    assert recent == past - 19


# -- figures kept in the store (report_rollups) ---------------------------------


def settle(store: Any) -> None:
    """Wait for the figures reads queued to the writer to be kept."""
    store.write_sync(lambda tx: None)


REPORTS = (
    ("daily", ()),
    ("monthly", ()),
    ("visitor_stats", ()),
    ("agent_stats", ()),
    ("interaction_stats", ("day",)),
    ("interaction_stats", ("hour",)),
    ("heatmap", ()),
)


def every_report(store: Any, world: World, since: date, until: date) -> list[Any]:
    """Every report over [since, until] (local days), as read in the store."""
    from chatsup.server.store import ListFilter
    from chatsup.server.store import reports as rp

    lo = datetime.combine(since, datetime.min.time(), PARIS).timestamp()
    hi = datetime.combine(until + timedelta(days=1), datetime.min.time(), PARIS).timestamp()
    out = []
    for extra in ({}, {"agent_ids": (world.agent_id,)}, {"site_ids": (world.site2_id,)}):
        f = ListFilter(since=lo, until=hi, **extra)
        for name, args in REPORTS:
            out.append(store.read_sync(getattr(rp, name), f, *args))
    return out


def test_a_fresh_process_answers_from_kept_figures_and_a_past_write_recomputes_its_bucket(
    tmp_path: Any,
) -> None:
    """A process that just started reads every ended bucket from the store
    (nothing is computed from the rows); a write into the past recomputes
    exactly the buckets holding the rows it changed; idle ends keep every
    figure true, after a restart too."""
    from chatsup.server.store import Store, report_cache
    from chatsup.server.store import conversations as conversations_store
    from tests.recount import History

    world = World(tmp_path, server={"idle_end_s": 0})  # idle ends run by hand here
    fresh = None
    try:
        now = time.time()
        today = datetime.now(PARIS).date()
        h = History(
            PARIS, [world.site_id, world.site2_id], [world.agent_id, world.agent2_id], now, 5
        )
        h.plan(h.span(h.local(today - timedelta(days=6)), now, 30), {})
        store = world.server.app.state.store
        h.write(store)
        # every chat ends (as of its last message): an open one keeps the day
        # it started in from being kept, and the history's chats run up to now
        # (with 1800 s, a long chat begun days ago and written to in the last
        # half hour stayed open at some times of day: failed at 13:55 Paris)
        assert store.write_sync(conversations_store.end_idle_conversations, 0.0) > 0
        assert world.query("SELECT count(*) FROM conversations WHERE ended_at IS NULL")[0][0] == 0
        ranges = [
            {"since": (today - timedelta(days=6)).isoformat(), "until": today.isoformat()},
            {
                "since": (today - timedelta(days=6)).isoformat(),
                "until": (today - timedelta(days=1)).isoformat(),
            },
        ]
        first = assert_true(world, ranges)
        settle(store)
        world.server.restart()
        assert assert_true(world, ranges) == first
        store = world.server.app.state.store

        # another process, started now: every ended bucket from the store
        week, yesterday = today - timedelta(days=6), today - timedelta(days=1)
        fresh = Store.open(world.settings.store.path, tz=PARIS)
        kept = every_report(fresh, world, week, yesterday)
        assert fresh.report_cache.computed == {}
        assert fresh.report_cache.loaded > 0
        cache, fresh.report_cache = fresh.report_cache, None
        assert every_report(fresh, world, week, yesterday) == kept  # = computed from rows
        fresh.report_cache = cache

        # and one whose start read the kept figures into memory (the server's
        # warm-up): its first reports read no bucket figure from the store,
        # only the whole-range ones (4 breakdowns × 3 filters, and the
        # per-advisor parts of no site and of site 2)
        warm = Store.open(world.settings.store.path, tz=PARIS)
        try:
            assert warm.read_sync(report_cache.preload) > 0
            assert every_report(warm, world, week, yesterday) == kept
            assert warm.report_cache.computed == {}
            assert warm.report_cache.loaded == 4 * 3 + 2
        finally:
            warm.close()

        # one visit and page view written into an ended day (a clock set
        # back): its day is recomputed, and nothing else
        day = today - timedelta(days=3)
        noon = h.local(day, 12)
        store.clock = lambda: noon
        v, _ = world.visitor()
        v.post("/v1/widget/pageviews", json={"url": "https://shop/late"})
        store.clock = time.time
        after = every_report(fresh, world, week, yesterday)
        # per filter (none, advisor, site): page views of the day (daily) and of
        # the month (monthly); sessions of the day (daily, visitor stats) and
        # the range's distinct visitors; chats (their advisor is the session's)
        # of the day (daily, interactions), the month, the hour (interactions
        # by hour, heatmap); the range's breakdowns and per-advisor parts (the
        # advisor filter shares those of no filter). No other day, no wait.
        assert cache.computed == {
            "page_views": 2 * 3,
            "sessions": 3 * 3,
            "conversations": 5 * 3,
            "range:breakdown": 4 * 3,
            "range:agents": 2,
        }
        settle(store)
        cache.computed.clear()
        assert every_report(fresh, world, week, yesterday) == after
        assert cache.computed == {}
        fresh.report_cache = None
        assert every_report(fresh, world, week, yesterday) == after
        fresh.report_cache = cache

        # an open chat in an ended day is never kept; once it ends idle, its
        # day is kept and every figure stays true, after a restart too
        store.clock = lambda: noon + 60
        cid = v.post("/v1/widget/messages", json={"body": "still there?"}).json()["conversation_id"]
        store.clock = time.time
        assert_true(world, ranges)
        assert store.write_sync(conversations_store.end_idle_conversations, 1800.0) == 1
        with world.sup() as c:
            item = c.get(f"/v1/conversations/{cid}").json()["conversation"]
        assert item["status"] == "ended"
        kept = assert_true(world, ranges)
        settle(store)
        world.server.restart()
        assert assert_true(world, ranges) == kept
    finally:
        if fresh is not None:
            fresh.close()
        world.close()


def test_pruning_touches_recomputes_nothing_kept_in_the_store(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure in memory older than the pruned touches is read again from
    the store, not computed from the rows (the store's figures were dropped
    by the writes that touched them)."""
    from chatsup.server.store import touches as rc

    store = world.server.app.state.store
    today = datetime.now(PARIS).date()
    rng = {"since": (today - timedelta(days=5)).isoformat(), "until": today.isoformat()}
    noon = datetime.combine(today - timedelta(days=4), datetime.min.time(), PARIS).replace(hour=12)
    store.clock = lambda: noon.timestamp()
    world.visitor()[0].post("/v1/widget/pageviews", json={"url": "https://shop/1"})
    store.clock = time.time
    first = assert_true(world, [rng])
    settle(store)
    monkeypatch.setattr(rc, "KEEP_TOUCHES", 5)
    monkeypatch.setattr(rc, "PRUNE_EVERY", 4)
    before = time.time() - 10 * 86400

    def many(tx: Any) -> None:  # touches of a day no figure here covers
        for i in range(20):
            rc.touch(tx, "page_views", before - i, before - i)

    store.write_sync(many)
    store.report_cache.computed.clear()
    loaded = store.report_cache.loaded
    assert assert_true(world, [rng]) == first
    assert store.report_cache.computed == {}
    assert store.report_cache.loaded > loaded


def test_the_store_keeps_a_bounded_number_of_figures(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most MAX_ROWS figures are kept in the store (the oldest written go
    first); the figures stay true, the dropped ones computed again."""
    from chatsup.server.store import rollups

    monkeypatch.setattr(rollups, "MAX_ROWS", 10)
    monkeypatch.setattr(rollups, "SAVE_BATCH", 4)
    store = world.server.app.state.store
    today = datetime.now(PARIS).date()
    noon = datetime.combine(today - timedelta(days=3), datetime.min.time(), PARIS)
    store.clock = lambda: noon.replace(hour=12).timestamp()
    world.visitor()[0].post("/v1/widget/pageviews", json={"url": "https://shop/1"})
    store.clock = time.time
    rng = {"since": (today - timedelta(days=8)).isoformat(), "until": today.isoformat()}
    first = assert_true(world, [rng])
    settle(store)
    assert 0 < store.read_sync(rollups.count) <= 10
    world.server.restart()
    assert assert_true(world, [rng]) == first
