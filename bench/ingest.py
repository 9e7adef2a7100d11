"""P3: sustained chat ingest over WebSocket, messages a second.

N visitors each keep a few messages in flight on their widget WebSocket
(`/v1/widget/ws`): a new one goes as soon as the acknowledgement of an
earlier one comes back, and chatsup acknowledges a message only after it is
committed. 5 supervisors hold `/v1/live` and receive every message event.
The baseline is a bare `websockets` server with the same clients: it echoes
each frame back as the ack and relays it to the 5 supervisors (no parsing,
no storage). The load generator runs in its own process, the server in
another (2 cores: one each).

The server runs with its default settings (SQLite `synchronous=full`) except
the widget's per-visitor and per-IP rate limits, raised through the
environment (`CHATSUP_SERVER__RATE_PER_VISITOR`, `..._RATE_PER_IP`,
`..._SESSIONS_PER_IP`): every simulated visitor comes from 127.0.0.1 and
sends far faster than a person types.

    python -m bench.ingest [--quick] [--rounds 3] [--seconds 4] [--visitors 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from bench.server import cpu_split, thread_cpu
from bench.wsbench import (
    chatsup_server,
    cpu_s,
    create_sessions,
    echo_server,
    fresh_world,
    run_load,
)

BENCH_ENV = {
    "CHATSUP_SERVER__RATE_PER_VISITOR": "100000000",
    "CHATSUP_SERVER__RATE_PER_IP": "100000000",
    "CHATSUP_SERVER__SESSIONS_PER_IP": "100000000",
}
AIM_RATIO = 0.30  # issue 14 (was 0.25)
AIM_RATE = 5000.0


def _phase(
    ws: str, pid: int, tokens: list[str], sup_token: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    cfg = {
        "mode": "ingest",
        "ws": ws,
        "sup_token": sup_token,
        "tokens": tokens,
        "window": args.window,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "supervisors": 5,
    }
    c0, t0, threads0 = cpu_s(pid), time.perf_counter(), thread_cpu(pid)
    r = run_load(cfg)
    elapsed = time.perf_counter() - t0
    r["server_cpu"] = (cpu_s(pid) - c0) / elapsed
    # delivered: acknowledged to the sender and seen by the supervisors
    r["rate"] = min(r["ack_rate"], r["sup_rate"])
    # the server's CPU per delivered message: what a busy machine moves least
    r["cpu_us"] = r["server_cpu"] / r["rate"] * 1e6 if r["rate"] else float("nan")
    # ... split: the event loop, the other threads (the writer mostly), system time
    r.update(cpu_split(pid, threads0, r["rate"] * elapsed))
    return r


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run (~15 s)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0, help="measured per phase")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--visitors", type=int, default=100)
    ap.add_argument("--window", type=int, default=4, help="messages in flight per visitor")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 1.5, 0.5

    world = fresh_world()
    rows: dict[str, list[dict[str, Any]]] = {"chatsup": [], "baseline": []}
    try:
        with chatsup_server(world.db, **BENCH_ENV) as srv, echo_server() as echo:
            tokens = create_sessions(srv.url, world.site_key, args.visitors)
            print(
                f"P3 ingest: {args.visitors} visitors x {args.window} in flight,"
                f" 5 live supervisors, {args.rounds} rounds of {args.seconds:g} s each"
            )
            print(
                f"{'round':>5} {'server':9} {'msg/s':>8} {'ack/s':>8} {'live/s':>8}"
                f" {'srv cpu':>8} {'cli cpu':>8} {'srv us/msg':>10}"
                f" {'loop':>5} {'thrds':>5} {'sys':>4}"
            )
            for rnd in range(1, args.rounds + 1):
                order = [("chatsup", srv), ("baseline", echo)]
                if rnd % 2 == 0:
                    order.reverse()
                for name, child in order:
                    r = _phase(
                        child.ws,
                        child.pid,
                        tokens,
                        world.sup_token if name == "chatsup" else None,
                        args,
                    )
                    rows[name].append(r)
                    print(
                        f"{rnd:5} {name:9} {r['rate']:8.0f} {r['ack_rate']:8.0f}"
                        f" {r['sup_rate']:8.0f} {r['server_cpu']:8.2f} {r['client_cpu']:8.2f}"
                        f" {r['cpu_us']:10.0f}"
                        f" {r['loop_us']:5.0f} {r['threads_us']:5.0f} {r['sys_share']:4.0%}"
                        + (f"  errors={r['errors']}" if r["errors"] else "")
                    )
    finally:
        world.close()
    ours = statistics.median(r["rate"] for r in rows["chatsup"])
    base = statistics.median(r["rate"] for r in rows["baseline"])
    ratio = ours / base if base else 0.0
    ours_us = statistics.median(r["cpu_us"] for r in rows["chatsup"])
    base_us = statistics.median(r["cpu_us"] for r in rows["baseline"])
    met = ratio >= AIM_RATIO and ours >= AIM_RATE
    print(
        f"\nmedian msg/s: chatsup {ours:.0f}, bare websockets {base:.0f},"
        f" ratio {ratio:.3f} (aim >= {AIM_RATIO} and >= {AIM_RATE:.0f} msg/s:"
        f" {'met' if met else 'NOT met'}); server CPU per message: chatsup {ours_us:.0f} us,"
        f" bare websockets {base_us:.0f} us"
    )
    summary = {
        "measure": "P3",
        "name": "ingest",
        "unit": "msg/s",
        "chatsup": round(ours),
        "baseline": round(base),
        "ratio": round(ratio, 3),
        "cpu_us_per_msg": round(ours_us),
        "loop_us_per_msg": round(statistics.median(r["loop_us"] for r in rows["chatsup"])),
        "threads_us_per_msg": round(statistics.median(r["threads_us"] for r in rows["chatsup"])),
        "baseline_cpu_us_per_msg": round(base_us),
        "aim": f">= {AIM_RATIO}x and >= {AIM_RATE:.0f} msg/s",
        "met": met,
        "visitors": args.visitors,
        "window": args.window,
        "rounds": args.rounds,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
