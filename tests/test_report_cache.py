"""Reports keep the figures of ended buckets between requests (the store's
BucketCache). The figures must stay exactly those of a fresh computation:
rows written into an ended bucket (a clock set back) are counted, and a
range that runs into today adds today's rows — visitors counted once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
        c.post("/v1/widget/sessions", json={"site_key": world.site_key,
                                            "visitor_token": s["token"]})
    world.visitor()[0].close()
    report = daily(world, since, until)
    today_row = next(r for r in report["rows"] if r["date"] == today.isoformat())
    assert today_row["visitors"] == 2
    assert report["totals"]["visitors"] == 2
    assert report["totals"]["page_views"] == 2
    # and the same figures with no cache at all
    store.report_cache = None
    assert daily(world, since, until) == report
