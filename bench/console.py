"""The console's own speed, each app a fresh process (imports included):

- P7: process start → first Messages rows painted, against a bare Textual
  app that shows one label (same machine, same run, alternating); also the
  same console started the way the `chatsup` command starts it (cli.main:
  its settings are loaded before the app, which the P7 line leaves out).
- P1: the same launch at ~1M messages against 10k, and the time per page
  while scrolling down the list (each page fetched with the keyset cursor).
- P8: console CPU while a live tail is open and visitors send ~200 msg/s,
  and idle (no traffic), measured from /proc over a fixed window.

Apps run headless (Textual's headless driver: the whole render pipeline, no
terminal writes). Each launched process imports nothing but its app
(bench/console_child.py), and chatsup's sources are compiled to bytecode
first (as an installed package is), so neither side pays for the other's
imports nor for compiling source (PYTHONDONTWRITEBYTECODE may be set).

    python -m bench.console [--rounds 5] [--quick] [--before SRC] [--launch-only]

`--before SRC` adds, alternating in the same rounds, the console of another
checkout (its `src` directory, e.g. a `git worktree` of an older commit) on
the 10k dataset: before/after figures from one run on one (loaded) machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.dataset import build, messages
from bench.server import cpu_s, serve

# each app a fresh process importing nothing of this one (bench/console_child.py)
CHILD = [sys.executable, "-m", "bench.console_child"]


# -- the parent ---------------------------------------------------------------------


def run_child(*args: str, src: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "BENCH_T0": repr(time.time())}
    if src:  # another checkout's chatsup first on the path
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out = subprocess.run([*CHILD, *args], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def compile_sources(*srcs: str | None) -> None:
    """chatsup's bytecode for the checkouts measured, as `pip install` leaves
    it (py_compile writes it whatever PYTHONDONTWRITEBYTECODE says)."""
    import compileall

    import chatsup

    for src in (str(Path(chatsup.__file__).parent), *srcs):
        if src:
            compileall.compile_dir(src, quiet=1)


def launches(
    rounds: int, pages: int, sizes: list[str], before: str | None = None
) -> dict[str, Any]:
    dbs = {s: build(s) for s in sizes}
    compile_sources(before)
    res: dict[str, Any] = {
        "bare": [],
        "bare cpu": [],
        "before": [],
        "before cpu": [],
        "command": [],
        "command cpu": [],
        **{s: [] for s in sizes},
        **{f"{s} cpu": [] for s in sizes},
        **{f"{s} pages": [] for s in sizes},
        **{f"{s} rss_mb": [] for s in sizes},
    }
    with serve(dbs[sizes[0]][0]) as url0, serve(dbs[sizes[-1]][0]) as url1:
        urls = {sizes[0]: url0, sizes[-1]: url1}
        for s in sizes:  # warm the server and the OS cache
            run_child("console", urls[s], dbs[s][1], "1")
        if before:
            run_child("console", url0, dbs[sizes[0]][1], "1", src=before)
        load = [os.getloadavg()[0]]
        for _ in range(rounds):
            r = run_child("bare")
            res["bare"].append(r["first_data_s"])
            res["bare cpu"].append(r["cpu_s"])
            if before:
                r = run_child("console", url0, dbs[sizes[0]][1], "1", src=before)
                res["before"].append(r["first_data_s"])
                res["before cpu"].append(r["cpu_s"])
            for s in sizes:
                r = run_child("console", urls[s], dbs[s][1], str(pages))
                res[s].append(r["first_data_s"])
                res[f"{s} cpu"].append(r["cpu_s"])
                res[f"{s} pages"].extend(r["pages_s"])
                res[f"{s} rss_mb"].append(r["rss_mb"])
            # the same console started by the `chatsup` command (its settings too)
            r = run_child("command", url0, dbs[sizes[0]][1], "1")
            res["command"].append(r["first_data_s"])
            res["command cpu"].append(r["cpu_s"])
        load.append(os.getloadavg()[0])
    med = {k: statistics.median(v) for k, v in res.items() if v}

    def paired(a: str, b: str) -> float:
        """The median of the per-round ratios a/b (each round's runs are
        neighbours in time: the load they met is closest)."""
        return statistics.median(x / y for x, y in zip(res[a], res[b], strict=True))

    print(
        f"\n## P7 / P1: process start → first Messages rows ({rounds} rounds, median;"
        f" load average {load[0]:.1f} → {load[-1]:.1f}); CPU: the process's own"
    )
    print(
        f"  bare Textual app, one label      {med['bare'] * 1e3:8.0f} ms"
        f"  (CPU {med['bare cpu'] * 1e3:4.0f} ms)"
    )
    for s in sizes:
        print(
            f"  chatsup at {s:>3} ({messages(dbs[s][0]):>9,} msgs) {med[s] * 1e3:8.0f} ms"
            f"  (CPU {med[s + ' cpu'] * 1e3:4.0f} ms)   ×{paired(s, 'bare'):.2f} bare"
            f" (CPU ×{paired(s + ' cpu', 'bare cpu'):.2f});"
            f"  next page {med[s + ' pages'] * 1e3:6.1f} ms;  peak RSS {med[s + ' rss_mb']:.0f} MB"
        )
    big, small = sizes[-1], sizes[0]
    print(
        f"  `chatsup` command at {small} (+ settings) {med['command'] * 1e3:6.0f} ms"
        f"  (CPU {med['command cpu'] * 1e3:4.0f} ms)   ×{paired('command', 'bare'):.2f} bare"
        f" (CPU ×{paired('command cpu', 'bare cpu'):.2f})"
    )
    if before:
        print(
            f"  before at {small} ({before})\n"
            f"                                   {med['before'] * 1e3:8.0f} ms"
            f"  (CPU {med['before cpu'] * 1e3:4.0f} ms)   ×{paired('before', 'bare'):.2f} bare"
            f" (CPU ×{paired('before cpu', 'bare cpu'):.2f});  after/before"
            f" ×{paired(small, 'before'):.2f} (CPU ×{paired(small + ' cpu', 'before cpu'):.2f})"
        )
    print(
        f"  P1 launch {big}/{small}: ×{med[big] / med[small]:.2f} (aim ≤ 1.5, ≤ 0.5 s);"
        f" page {big}/{small}: ×{med[big + ' pages'] / med[small + ' pages']:.2f}"
    )
    print(
        f"  P7 chatsup/bare: ×{paired(small, 'bare'):.2f}"
        f" (CPU ×{paired(small + ' cpu', 'bare cpu'):.2f}; aim ≤ 1.5)"
    )
    return {
        "load_average": load,
        "rounds": {k: v for k, v in res.items() if v},
        "median_s": med,
        "p1_launch_ratio": med[big] / med[small],
        "p1_page_ratio": med[big + " pages"] / med[small + " pages"],
        "p7_ratio": paired(small, "bare"),
        "p7_cpu_ratio": paired(small + " cpu", "bare cpu"),
        "p7_command_ratio": paired("command", "bare"),
        "p7_command_cpu_ratio": paired("command cpu", "bare cpu"),
    }


async def send_load(url: str, site_key: str, rate: float, seconds: float) -> int:
    """Visitors sending chat messages at `rate` per second in total."""
    visitors = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as c:
        for _ in range(20):
            r = await c.post("/v1/widget/sessions", json={"site_key": site_key})
            visitors.append(r.json()["token"])
    sent = 0
    async with httpx.AsyncClient(
        base_url=url, timeout=10, limits=httpx.Limits(max_connections=20)
    ) as c:
        t0 = time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            due = int(elapsed * rate)
            batch = []
            while sent < due:
                tok = visitors[sent % len(visitors)]
                batch.append(
                    c.post(
                        "/v1/widget/messages",
                        json={"body": f"line {sent}"},
                        headers={"Authorization": f"Bearer {tok}"},
                    )
                )
                sent += 1
            if batch:
                await asyncio.gather(*batch)
            await asyncio.sleep(0.005)
    return sent


def tail_cpu(seconds: float, rate: float) -> dict[str, Any]:
    src, token = build("10k")
    tmp = Path(tempfile.mkdtemp(prefix="chatsup-p8-"))
    db = tmp / "p8.db"  # the load writes: never into the cached dataset
    with sqlite3.connect(src) as a, sqlite3.connect(db) as b:
        a.backup(b)
    out: dict[str, Any] = {}
    env = {
        "CHATSUP_SERVER__RATE_PER_VISITOR": "1000000",
        "CHATSUP_SERVER__RATE_PER_IP": "1000000",
        "CHATSUP_SERVER__SESSIONS_PER_IP": "1000000",
    }
    with serve(db, **env) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
            site_key = c.get("/v1/sites").json()["items"][0]["key"]
        for label, load in (("idle", 0.0), ("tail at load", rate)):
            p = subprocess.Popen(
                [*CHILD, "tail", url, token, str(seconds + 3)],
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "BENCH_T0": repr(time.time())},
            )
            time.sleep(2.5)  # started, connected, tail open
            c0, t0 = cpu_s(p.pid), time.perf_counter()
            sent = asyncio.run(send_load(url, site_key, load, seconds - 1)) if load else 0
            if not load:
                time.sleep(seconds - 1)
            c1, t1 = cpu_s(p.pid), time.perf_counter()
            stdout, _ = p.communicate(timeout=60)
            events = json.loads(stdout.strip().splitlines()[-1])["events"]
            out[label] = {
                "cpu_pct": 100 * (c1 - c0) / (t1 - t0),
                "sent": sent,
                "msg_per_s": sent / (t1 - t0),
                "events_seen": events,
            }
    shutil.rmtree(tmp, ignore_errors=True)
    print("\n## P8: console CPU (one core = 100 %)")
    for label, r in out.items():
        print(
            f"  {label:14} {r['cpu_pct']:5.1f} %   ({r['msg_per_s']:.0f} msg/s sent, "
            f"{r['events_seen']} live events seen)"
        )
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="10k only, 2 rounds, short P8")
    ap.add_argument("--before", help="src directory of an older checkout to compare (P7)")
    ap.add_argument("--launch-only", action="store_true", help="P7/P1 only, no P8")
    args = ap.parse_args(argv)
    sizes = ["10k"] if args.quick else ["10k", "1m"]
    summary: dict[str, Any] = {"bench": "P1/P7/P8"}
    rounds = 2 if args.quick and args.rounds == 5 else args.rounds
    summary["launch"] = launches(rounds, 5, sizes, args.before)
    if not args.launch_only:
        summary["p8"] = tail_cpu(5 if args.quick else 15, 200)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
