"""P6: every report/stats endpoint over 90 days at ~1M messages, over HTTP
(with and without an advisor filter):

- the first ("cold") answer of a server process that just started (median
  over --starts processes), the figures of ended days kept in the store by
  an earlier process (rollups),
  and the same with nothing kept (report_rollups emptied first: every figure
  computed from the rows, as every start did before rollups);
- p50/p95 of the answers after that first one (warm);
- the same p95 while `chatsup simulate` sends visitors and advisors;
- the console's Monitoring tab: process start of a console, then the time
  from opening the tab to its first report drawn, on a server that just
  started (first open) and later (the same server, another console);
- the Monitoring chart's repaint with unchanged data against a full rebuild.

    python -m bench.reports [--size 1m] [--runs 20] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.dataset import DATA, FROZEN_NOW, TZ, build, messages
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
CHILD = [sys.executable, "-m", "bench.reports", "--child"]


def _requests(c: httpx.Client, agent: int, since: date, until: date) -> list[tuple[str, Any]]:
    out = []
    for name, path, extra in ENDPOINTS:
        for label, more in (("", {}), (" + advisor", {"agent_id": str(agent)})):
            params = {"since": since.isoformat(), "until": until.isoformat(), **extra, **more}
            out.append((name + label, (path, params)))
    return out


def _timed(c: httpx.Client, path: str, params: dict[str, str]) -> float:
    t = time.perf_counter()
    c.get(path, params=params).raise_for_status()
    return time.perf_counter() - t


def _forget(db: Path) -> None:
    """Empty report_rollups: the next process computes every figure from rows."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM report_rollups")


def _simulator(db: Path, url: str, seconds: float) -> subprocess.Popen[bytes]:
    """`chatsup simulate` against the server (its site and advisors created
    once per dataset, before any figure is kept)."""
    setup = DATA / f"{db.stem}.simulate.json"
    cmd = [sys.executable, "-m", "chatsup.cli", "simulate"]
    if not setup.exists():
        out = subprocess.run(
            [*cmd, "--setup", "--db", str(db)], capture_output=True, text=True, check=True
        )
        setup.write_text(out.stdout.strip().splitlines()[-1])
    return subprocess.Popen(
        [*cmd, "--url", url, "--setup-file", str(setup), "--duration", str(seconds)],
        env={**os.environ, "CHATSUP_CONFIG": "/nonexistent"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def endpoint_latency(size: str, runs: int, starts: int, settle: float) -> dict[str, dict[str, Any]]:
    db, token = build(size)
    until = datetime.fromtimestamp(FROZEN_NOW, TZ).date()
    since = until - timedelta(days=89)
    print(f"\n## P6 reports over 90 days ({since} → {until}), {size}: {messages(db):,} messages")
    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, dict[str, Any]] = {}
    # a first process: idle chats end, every figure computed and kept
    with serve(db) as url, httpx.Client(base_url=url, timeout=120, headers=auth) as c:
        agent = c.get("/v1/agents").json()["items"][0]["id"]
        for _ in range(2):
            for _, (path, params) in _requests(c, agent, since, until):
                _timed(c, path, params)
    # nothing kept: every figure computed from the rows, as before rollups
    _forget(db)
    with serve(db) as url, httpx.Client(base_url=url, timeout=120, headers=auth) as c:
        for key, (path, params) in _requests(c, agent, since, until):
            out[key] = {"cold_rows_ms": _timed(c, path, params) * 1e3}
        for _, (path, params) in _requests(c, agent, since, until):
            _timed(c, path, params)  # kept again for the next process
        time.sleep(1)  # the writer keeps them
    # fresh processes: the first answer of each (median over `starts`), then warm
    colds: dict[str, list[float]] = {}
    for _ in range(starts - 1):
        with serve(db) as url, httpx.Client(base_url=url, timeout=120, headers=auth) as c:
            time.sleep(settle)
            for key, (path, params) in _requests(c, agent, since, until):
                colds.setdefault(key, []).append(_timed(c, path, params))
    with serve(db) as url, httpx.Client(base_url=url, timeout=120, headers=auth) as c:
        print(
            f"{'endpoint':40} {'p50 ms':>8} {'p95 ms':>8} {'cold ms':>9} {'cold/p95':>9}"
            f" {'no rollups':>11}  each start's first"
        )
        reqs = _requests(c, agent, since, until)
        time.sleep(settle)
        for key, (path, params) in reqs:
            colds.setdefault(key, []).append(_timed(c, path, params))
            times = [_timed(c, path, params) for _ in range(runs)]
            o = out[key]
            o["cold_ms"] = statistics.median(colds[key]) * 1e3
            o["cold_all_ms"] = [round(t * 1e3, 1) for t in colds[key]]
            o.update(p50_ms=pct(times, 0.5) * 1e3, p95_ms=pct(times, 0.95) * 1e3)
            o["cold_ratio"] = o["cold_ms"] / o["p95_ms"]
            print(
                f"{key:40} {o['p50_ms']:8.1f} {o['p95_ms']:8.1f} {o['cold_ms']:9.1f}"
                f" {o['cold_ratio']:9.2f} {o['cold_rows_ms']:11.0f}  {o['cold_all_ms']}"
            )
        # while the simulator runs (its traffic is "now": nothing kept is touched)
        seconds = max(20.0, runs * 2.0)
        sim = _simulator(db, url, seconds)
        try:
            time.sleep(3)
            loaded: dict[str, list[float]] = {k: [] for k, _ in reqs}
            t_end = time.monotonic() + seconds - 5
            while time.monotonic() < t_end:
                for key, (path, params) in reqs:
                    loaded[key].append(_timed(c, path, params))
        finally:
            sim.terminate()
            sim.wait(30)
        print(f"{'endpoint, simulator running':40} {'p95 ms':>8} {'n':>5}")
        for key, times in loaded.items():
            out[key]["p95_sim_ms"] = pct(times, 0.95) * 1e3
            print(f"{key:40} {out[key]['p95_sim_ms']:8.1f} {len(times):5}")
    return out


def child_monitoring(url: str, token: str) -> None:
    """A console that opens Monitoring once its first Messages rows show:
    prints the time from opening the tab to its first report drawn."""
    from textual.css.query import NoMatches

    from chatsup.tui.app import ChatsupApp

    out: dict[str, float] = {}

    class Timed(ChatsupApp):
        def on_mount(self) -> None:
            self.poll_timer = self.set_interval(0.002, self.check)
            self.opened = 0.0

        def check(self) -> None:
            if not self.opened:
                if self.messages.table.row_count:
                    self.opened = time.perf_counter()
                    self.call_later(self.show_tab, "monitoring")  # (a coroutine)
                return
            tab = self.built("monitoring")  # (tabs are built when first shown)
            try:
                view = None if tab is None else tab.view("daily")
            except NoMatches:  # (not mounted yet)
                return
            if view is not None and view.data is not None:
                self.poll_timer.stop()
                self.call_after_refresh(self.drawn)

        def drawn(self) -> None:
            out["open_s"] = time.perf_counter() - self.opened
            self.exit(0)

    Timed(url, token).run(headless=True, size=(120, 40))
    print(json.dumps(out))


def _monitoring_open(url: str, token: str) -> float:
    r = subprocess.run(
        [*CHILD, "monitoring", url, token], capture_output=True, text=True, timeout=300
    )
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return float(json.loads(r.stdout.strip().splitlines()[-1])["open_s"])


def monitoring(size: str, rounds: int) -> dict[str, float]:
    """The console's Monitoring tab, first open on a server just started
    (figures kept by earlier processes) against later opens."""
    db, token = build(size)
    firsts: list[float] = []
    laters: list[float] = []
    for _ in range(rounds):
        with serve(db) as url:
            firsts.append(_monitoring_open(url, token))
            laters.extend(_monitoring_open(url, token) for _ in range(2))
    first, later = statistics.median(firsts), statistics.median(laters)
    print(
        f"\n## P6 Monitoring tab open ({size}, {rounds} server starts): first after a start"
        f" {first * 1e3:.0f} ms, later {later * 1e3:.0f} ms: ×{first / later:.2f} (aim ≤ 2)"
    )
    return {"first_ms": first * 1e3, "later_ms": later * 1e3, "ratio": first / later}


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
    if argv is None and sys.argv[1:2] == ["--child"]:
        child_monitoring(*sys.argv[3:5])
        return {}
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1m")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--starts", type=int, default=3, help="fresh processes for the cold answer")
    ap.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds between a server answering and the first report request"
        " (the start-up warm-up of the default reports runs meanwhile)",
    )
    ap.add_argument("--quick", action="store_true", help="10k messages, 5 runs")
    args = ap.parse_args(argv)
    size, runs = ("10k", 5) if args.quick else (args.size, args.runs)
    endpoints = endpoint_latency(size, runs, args.starts, args.settle)
    mon = monitoring(size, 2 if args.quick else 3)
    chart = asyncio.run(chart_redraw(5 if args.quick else 20))
    worst = max(endpoints.items(), key=lambda kv: kv[1]["p95_ms"])
    worst_cold = max(endpoints.items(), key=lambda kv: kv[1]["cold_ratio"])
    summary = {
        "bench": "P6",
        "size": size,
        "settle_s": args.settle,
        "endpoints": endpoints,
        "monitoring": mon,
        "chart": chart,
        "worst_p95": {"endpoint": worst[0], "ms": worst[1]["p95_ms"]},
        "worst_cold_ratio": {"endpoint": worst_cold[0], "ratio": worst_cold[1]["cold_ratio"]},
        "aim_met": worst[1]["p95_ms"] <= 100
        and chart["ratio"] <= 0.1
        and worst_cold[1]["cold_ratio"] <= 2
        and mon["ratio"] <= 2,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
