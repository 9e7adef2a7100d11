"""P5: server memory (RSS) with 10k idle visitor WebSockets.

10k visitor sessions are created first over HTTP (`POST /v1/widget/sessions`);
then a load generator in its own process opens one widget WebSocket
(`/v1/widget/ws`) per session and holds them all, idle. The server's RSS is
read from /proc before (after a warm-up of a few sockets, opened and closed)
and once all are open and a second has passed; the difference over the
number of sockets is the cost of one. The baseline is a bare `websockets`
server (`websockets.asyncio.server`) holding the same number of sockets.
Each round starts both servers afresh (memory once grown is not given back).

All sessions come from 127.0.0.1, so the per-IP session limit
(`server.sessions_per_ip`, 60 a minute by default, see
`chatsup/server/ratelimit.py`) is raised for the run through the environment:
`CHATSUP_SERVER__SESSIONS_PER_IP=100000000`. Sockets: the open-file limit is
raised to its hard limit in the server and the load generator, and client
sockets are spread over several loopback source addresses (127.0.0.2-9) so
no address pair runs short of ephemeral ports.

    python -m bench.idle_sockets [--quick] [--sockets 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.ingest import BENCH_ENV
from bench.wsbench import (
    Child,
    chatsup_server,
    create_sessions,
    echo_server,
    fresh_world,
    nofile_preexec,
    raise_nofile,
    rss_mb,
)

AIM_RATIO = 2.0
AIM_TOTAL_MB = 400.0


def _hold(child: Child, tokens: list[str] | None, count: int) -> dict[str, Any]:
    """Open `count` sockets from a load-generator process, read the server's
    RSS while they are open, then close them."""
    cfg = {
        "mode": "idle",
        "ws": child.ws,
        "count": count,
        "tokens": tokens,
        "spread": 8,
        "concurrency": 64,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    p = subprocess.Popen(
        [sys.executable, "-m", "bench.wsbench", "load", f.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=nofile_preexec,
    )
    try:
        assert p.stdin is not None and p.stdout is not None
        line = p.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"load generator: {line!r}")
        time.sleep(1.0)
        rss = rss_mb(child.pid)
        p.stdin.write("\n")
        p.stdin.flush()
        result: dict[str, Any] = json.loads(p.stdout.read().strip().splitlines()[-1])
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
        os.unlink(f.name)
    result["rss_mb"] = rss
    return result


def _measure(child: Child, tokens: list[str] | None, count: int) -> dict[str, Any]:
    _hold(child, tokens[:20] if tokens else None, 20)  # warm up: imports, pools, first allocations
    time.sleep(0.5)
    before = rss_mb(child.pid)
    r = _hold(child, tokens, count)
    r["before_mb"] = before
    r["per_socket_kb"] = (r["rss_mb"] - before) * 1024 / max(1, r["opened"])
    return r


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run (1k sockets)")
    ap.add_argument("--sockets", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    if args.quick:
        args.sockets, args.rounds = 1000, 2
    raise_nofile()

    world = fresh_world()
    rows: dict[str, list[dict[str, Any]]] = {"chatsup": [], "baseline": []}
    try:
        t0 = time.perf_counter()
        with chatsup_server(world.db, **BENCH_ENV) as srv:
            tokens = create_sessions(srv.url, world.site_key, args.sockets)
        print(
            f"P5 idle sockets: {args.sockets} visitor sessions created in"
            f" {time.perf_counter() - t0:.1f} s; {args.rounds} rounds, fresh servers each"
        )
        print(
            f"{'round':>5} {'server':9} {'opened':>7} {'failed':>6} {'open s':>6}"
            f" {'RSS before':>10} {'RSS with':>9} {'KB/socket':>9}"
        )
        for rnd in range(1, args.rounds + 1):
            order = ["chatsup", "baseline"] if rnd % 2 else ["baseline", "chatsup"]
            for name in order:
                if name == "chatsup":
                    with chatsup_server(world.db, **BENCH_ENV) as child:
                        r = _measure(child, tokens, args.sockets)
                else:
                    with echo_server() as child:
                        r = _measure(child, None, args.sockets)
                rows[name].append(r)
                print(
                    f"{rnd:5} {name:9} {r['opened']:7} {r['failed']:6} {r['connect_s']:6.1f}"
                    f" {r['before_mb']:8.1f}MB {r['rss_mb']:7.1f}MB {r['per_socket_kb']:9.1f}"
                )
    finally:
        world.close()

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[name])

    ours, base = med("chatsup", "per_socket_kb"), med("baseline", "per_socket_kb")
    total, base_total = med("chatsup", "rss_mb"), med("baseline", "rss_mb")
    ratio = ours / base if base else float("inf")
    full = min(r["opened"] for r in rows["chatsup"]) >= args.sockets
    met = ratio <= AIM_RATIO and total <= AIM_TOTAL_MB and full
    print(
        f"\nmedian: chatsup {ours:.1f} KB/socket ({total:.0f} MB in all),"
        f" bare websockets {base:.1f} KB/socket ({base_total:.0f} MB in all),"
        f" ratio {ratio:.2f} (aim <= {AIM_RATIO:g}x per socket and <= {AIM_TOTAL_MB:g} MB:"
        f" {'met' if met else 'NOT met'})"
    )
    summary = {
        "measure": "P5",
        "name": "idle_sockets",
        "unit": "KB/socket",
        "sockets": args.sockets,
        "chatsup": round(ours, 1),
        "baseline": round(base, 1),
        "ratio": round(ratio, 2),
        "chatsup_rss_mb": round(total),
        "baseline_rss_mb": round(base_total),
        "aim": f"<= {AIM_RATIO:g}x per socket, <= {AIM_TOTAL_MB:g} MB",
        "met": met,
        "rounds": args.rounds,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
