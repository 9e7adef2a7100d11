"""P6: every report/stats endpoint over 90 days at ~1M messages, p50/p95 over
HTTP (with and without an advisor filter) once the server has answered it
once, and that first ("cold") answer after the server started — the server
keeps the figures of ended days; and the Monitoring chart's repaint with
unchanged data against a full rebuild, in the same run.

    python -m bench.reports [--size 1m] [--runs 20] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from bench.dataset import FROZEN_NOW, TZ, build, messages
from bench.server import pct, serve

ENDPOINTS = [
    ("daily", "/v1/reports/daily", {}),
    ("monthly", "/v1/reports/monthly", {}),
    ("visitor stats", "/v1/stats/visitors", {}),
    ("agent stats", "/v1/stats/agents", {}),
    ("interactions by day", "/v1/stats/interactions", {"by": "day"}),
    ("interactions by hour", "/v1/stats/interactions", {"by": "hour"}),
    ("heatmap", "/v1/stats/heatmap", {}),
]


def endpoint_latency(size: str, runs: int) -> dict[str, dict[str, float]]:
    db, token = build(size)
    until = datetime.fromtimestamp(FROZEN_NOW, TZ).date()
    since = until - timedelta(days=89)
    print(f"\n## P6 reports over 90 days ({since} → {until}), {size}: {messages(db):,} messages")
    out: dict[str, dict[str, float]] = {}
    with (
        serve(db) as url,
        httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c,
    ):
        agent = c.get("/v1/agents").json()["items"][0]["id"]
        print(f"{'endpoint':40} {'p50 ms':>8} {'p95 ms':>8} {'cold ms':>9}")
        for name, path, extra in ENDPOINTS:
            for label, more in (("", {}), (" + advisor", {"agent_id": str(agent)})):
                params = {"since": since.isoformat(), "until": until.isoformat(), **extra, **more}
                t = time.perf_counter()
                r = c.get(path, params=params)  # cold (first since start), and it answers
                r.raise_for_status()
                cold = time.perf_counter() - t
                times = []
                for _ in range(runs):
                    t = time.perf_counter()
                    c.get(path, params=params).raise_for_status()
                    times.append(time.perf_counter() - t)
                key = name + label
                out[key] = {
                    "p50_ms": pct(times, 0.5) * 1e3,
                    "p95_ms": pct(times, 0.95) * 1e3,
                    "cold_ms": cold * 1e3,
                }
                print(
                    f"{key:40} {out[key]['p50_ms']:8.1f} {out[key]['p95_ms']:8.1f}"
                    f" {cold * 1e3:9.0f}"
                )
    return out


async def chart_redraw(rounds: int) -> dict[str, float]:
    """The Daily chart over 90 days at 120×20: a repaint with the same data
    (cache hit) against a full plotext rebuild, alternating."""
    from textual.app import App, ComposeResult

    from chatsup.kit.chart import Chart, Series

    days = [(date(2026, 8, 21) + timedelta(days=i)).isoformat()[5:] for i in range(90)]
    series = [
        Series(n, tuple(float((i * k) % 97) for i in range(90)))
        for k, n in ((3, "visitors"), (5, "chats"), (7, "calls"))
    ]

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Chart()

    app = Bench()
    rebuild: list[float] = []
    repaint: list[float] = []
    async with app.run_test(size=(120, 24)) as pilot:
        chart = app.query_one(Chart)
        chart.show("line", days, series)
        await pilot.pause()
        w, h = chart.size.width, chart.size.height
        chart.render()
        for _ in range(rounds):
            t = time.perf_counter()
            chart.build(w, h)
            rebuild.append(time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(10):
                chart.render()
            repaint.append((time.perf_counter() - t) / 10)
    full, same = statistics.median(rebuild), statistics.median(repaint)
    print(
        f"\n## P6 chart: full rebuild {full * 1e3:.2f} ms, repaint with unchanged data "
        f"{same * 1e6:.1f} µs: ratio {same / full:.4f} (aim ≤ 0.1)"
    )
    return {"rebuild_ms": full * 1e3, "repaint_ms": same * 1e3, "ratio": same / full}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1m")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="10k messages, 5 runs")
    args = ap.parse_args(argv)
    size, runs = ("10k", 5) if args.quick else (args.size, args.runs)
    endpoints = endpoint_latency(size, runs)
    chart = asyncio.run(chart_redraw(5 if args.quick else 20))
    worst = max(endpoints.items(), key=lambda kv: kv[1]["p95_ms"])
    summary = {
        "bench": "P6",
        "size": size,
        "endpoints": endpoints,
        "chart": chart,
        "worst_p95": {"endpoint": worst[0], "ms": worst[1]["p95_ms"]},
        "aim_met": worst[1]["p95_ms"] <= 100 and chart["ratio"] <= 0.1,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
