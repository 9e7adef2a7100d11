"""Scale-out on PostgreSQL: several `chatsup serve` processes on one database.

Part A, ingest (as `bench.ingest`: visitors each keep `window` messages in
flight on their widget WebSocket, 5 supervisors hold `/v1/live`) with 1, 2
and 4 processes on one PostgreSQL database, against one process on SQLite
in the same run. Visitors and supervisors are spread round-robin over the
processes. Per phase: delivered msg/s (acknowledged, i.e. committed, and
seen by the supervisors), p50/p99 of the ack latency (send → ack: the
commit), the writes run again after a deadlock or a serialization failure
(`/v1/health` `write_retries`, summed over the processes) and the CPU the
servers and PostgreSQL used.

Part B, cross-process live latency: two processes A and B, visitors on A
sending `rate` messages a second in all (open loop); the supervisors on B
(A → B: the event reaches B through pg_notify and a read of the log), then
on A (A → A: the in-process path, the baseline), in the same run; at 500 msg/s
and at 100 msg/s (a rate one PostgreSQL-backed process keeps up with on a
loaded 2-core machine: at a rate it cannot keep up with, both paths measure
the writer's queue, not the fan-out).

PostgreSQL is a throwaway cluster started here (tests/pg.py), with fsync
and synchronous commit on: SQLite runs with `synchronous=full` beside it.
Processes are started afresh for every phase. The machine's load average is
printed with every phase: on a shared 2-core machine PostgreSQL, the server
processes and the load generator compete for the same cores, so these runs
show correctness and overhead, not horizontal scaling (BENCHMARKS.md).

    python -m bench.scale_out [--quick] [--rounds 3] [--procs 1,2,4] [--rate 500,100]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.ingest import BENCH_ENV
from bench.server import TZ_NAME, Child, chatsup_server, cpu_s, free_port, pct
from bench.wsbench import create_sessions, fresh_world, run_load
from tests import pg


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def retries(children: list[Child]) -> dict[str, int]:
    """`write_retries` of /v1/health, summed over the processes."""
    out: dict[str, int] = {}
    for c in children:
        got = httpx.get(f"{c.url}/v1/health", timeout=30).json().get("write_retries") or {}
        for k, v in got.items():
            out[k] = out.get(k, 0) + int(v)
    return out


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items()}


class Postgres:
    """The throwaway cluster and one migrated database with a site and a
    supervisor token."""

    def __init__(self) -> None:
        if pg.pg_bin() is None:
            raise SystemExit("no PostgreSQL (initdb) found: apt-get install postgresql")
        root = pg.cluster_dir(Path(tempfile.mkdtemp(prefix="chatsup-bench-pg-")))
        self.cluster = pg.Cluster(root, free_port(), settings=pg.DURABLE).start()
        self.url = self.cluster.url(self.cluster.new_database())
        from zoneinfo import ZoneInfo

        from chatsup.cli import create_token
        from chatsup.server.store import Store, sites

        store = Store.open(root / "unused.db", tz=ZoneInfo(TZ_NAME), url=self.url)
        try:
            self.site_key = store.write_sync(sites.create_site, "Shop", "shop.example")["key"]
            self.sup_token = create_token(store, "supervisor", "bench", None)
        finally:
            store.close()

    def cpu(self) -> float:
        """CPU seconds of the postmaster and its children."""
        pid = int((self.cluster.data / "postmaster.pid").read_text().split()[0])
        total = cpu_s(pid)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    total += cpu_s(int(stat.parent.name))
        return total

    def close(self) -> None:
        self.cluster.stop()


@contextmanager
def servers(db: Path, n: int, url: str | None) -> Iterator[list[Child]]:
    """`n` chatsup processes on PostgreSQL at `url` (or one on SQLite `db`)."""
    env = dict(BENCH_ENV)
    if url is not None:
        env["CHATSUP_STORE__URL"] = url
    with ExitStack() as stack:
        yield [stack.enter_context(chatsup_server(db, **env)) for _ in range(n)]


def _ms(values: list[float], q: float) -> float:
    return pct(values, q) * 1e3 if values else float("nan")


def ingest_phase(
    children: list[Child], tokens: list[str], sup: str, pgc: Postgres | None, args: Any
) -> dict[str, Any]:
    before = retries(children)
    pids = [c.pid for c in children]
    c0 = sum(cpu_s(p) for p in pids)
    p0 = pgc.cpu() if pgc else 0.0
    l0, t0 = loadavg(), time.perf_counter()
    r = run_load(
        {
            "mode": "ingest",
            "ws": children[0].ws,
            "visitor_ws": [c.ws for c in children],
            "sup_ws": [c.ws for c in children],
            "sup_token": sup,
            "tokens": tokens,
            "window": args.window,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "supervisors": 5,
            "ack_latency": True,
        }
    )
    took = time.perf_counter() - t0
    lat: list[float] = r.pop("ack_latencies")
    r["p50"], r["p99"] = _ms(lat, 0.5), _ms(lat, 0.99)
    r["rate"] = min(r["ack_rate"], r["sup_rate"])
    r["server_cpu"] = (sum(cpu_s(p) for p in pids) - c0) / took
    r["pg_cpu"] = ((pgc.cpu() - p0) / took) if pgc else 0.0
    r["retries"] = _delta(retries(children), before)
    r["load"] = max(l0, loadavg())
    return r


def latency_phase(
    visitors_on: Child, sups_on: Child, both: list[Child], tokens: list[str], sup: str, args: Any
) -> dict[str, Any]:
    before = retries(both)
    l0 = loadavg()
    r = run_load(
        {
            "mode": "latency",
            "ws": visitors_on.ws,
            "sup_ws": [sups_on.ws],
            "sup_token": sup,
            "tokens": tokens,
            "rate": args.rate,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "supervisors": 5,
        }
    )
    lat: list[float] = r.pop("latencies")
    ack: list[float] = r.pop("ack_latencies")
    r["p50"], r["p99"], r["max"] = _ms(lat, 0.5), _ms(lat, 0.99), _ms(lat, 1.0)
    r["ack_p50"], r["ack_p99"] = _ms(ack, 0.5), _ms(ack, 0.99)
    r["retries"] = _delta(retries(both), before)
    r["load"] = max(l0, loadavg())
    return r


def _fmt_retries(d: dict[str, int]) -> str:
    return f"{d.get('deadlock', 0)}/{d.get('serialization', 0)}/{d.get('duplicate', 0)}"


def part_a(pgc: Postgres, args: Any) -> dict[str, Any]:
    world = fresh_world()
    procs = [int(p) for p in args.procs.split(",")]
    configs = [("sqlite", 1), *((f"pg x{n}", n) for n in procs)]
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in configs}
    try:
        with servers(world.db, 1, None) as (one,):
            sq_tokens = create_sessions(one.url, world.site_key, args.visitors)
        with servers(world.db, 1, pgc.url) as (one,):
            pg_tokens = create_sessions(one.url, pgc.site_key, args.visitors)
        print(
            f"A. ingest: {args.visitors} visitors x {args.window} in flight, 5 supervisors,"
            f" spread over the processes; {args.rounds} rounds of {args.seconds:g} s"
        )
        print(
            f"{'round':>5} {'server':8} {'msg/s':>7} {'ack p50':>8} {'ack p99':>8}"
            f" {'retries d/s/u':>14} {'srv cpu':>8} {'pg cpu':>7} {'load':>5}"
        )
        for rnd in range(1, args.rounds + 1):
            order = configs if rnd % 2 else list(reversed(configs))
            for name, n in order:
                sq = name == "sqlite"
                with servers(world.db, n, None if sq else pgc.url) as children:
                    r = ingest_phase(
                        children,
                        sq_tokens if sq else pg_tokens,
                        world.sup_token if sq else pgc.sup_token,
                        None if sq else pgc,
                        args,
                    )
                rows[name].append(r)
                print(
                    f"{rnd:5} {name:8} {r['rate']:7.0f} {r['p50']:8.1f} {r['p99']:8.1f}"
                    f" {_fmt_retries(r['retries']):>14} {r['server_cpu']:8.2f}"
                    f" {r['pg_cpu']:7.2f} {r['load']:5.1f}"
                    + (f"  errors={r['errors']}" if r["errors"] else "")
                )
    finally:
        world.close()
    base = statistics.median(r["rate"] for r in rows["sqlite"])
    out: dict[str, Any] = {}
    print("\nmedian of rounds (retries: summed over rounds, deadlock/serialization/duplicate)")
    for name, _n in configs:
        rate = statistics.median(r["rate"] for r in rows[name])
        p99 = statistics.median(r["p99"] for r in rows[name])
        total: dict[str, int] = {}
        for r in rows[name]:
            for k, v in r["retries"].items():
                total[k] = total.get(k, 0) + v
        out[name] = {
            "rate": round(rate),
            "ratio": round(rate / base, 3) if base else 0.0,
            "p50_ms": round(statistics.median(r["p50"] for r in rows[name]), 1),
            "p99_ms": round(p99, 1),
            "retries": total,
            "server_cpu": round(statistics.median(r["server_cpu"] for r in rows[name]), 2),
            "pg_cpu": round(statistics.median(r["pg_cpu"] for r in rows[name]), 2),
            "load": round(max(r["load"] for r in rows[name]), 1),
        }
        print(
            f"  {name:8} {rate:7.0f} msg/s ({out[name]['ratio']:.2f}x SQLite),"
            f" ack p99 {p99:.1f} ms, retries {_fmt_retries(total)}"
        )
    return out


def part_b(pgc: Postgres, args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rate in (float(r) for r in str(args.rate).split(",")):
        out[f"{rate:g}"] = _part_b(pgc, argparse.Namespace(**{**vars(args), "rate": rate}))
    return out


def _part_b(pgc: Postgres, args: Any) -> dict[str, Any]:
    rows: dict[str, list[dict[str, Any]]] = {"A->B": [], "A->A": []}
    with servers(Path(tempfile.gettempdir()) / "unused.db", 2, pgc.url) as children:
        a, b = children
        tokens = create_sessions(a.url, pgc.site_key, args.latency_visitors)
        print(
            f"\nB. live latency, 2 processes: {args.rate:g} msg/s from {len(tokens)} visitors"
            f" on A, 5 supervisors on B (cross-process) or on A (in-process);"
            f" {args.rounds} rounds of {args.seconds:g} s"
        )
        print(
            f"{'round':>5} {'path':5} {'got/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
            f" {'ack p50':>8} {'ack p99':>8} {'retries d/s/u':>14} {'load':>5}"
        )
        for rnd in range(1, args.rounds + 1):
            order = [("A->B", b), ("A->A", a)]
            if rnd % 2 == 0:
                order.reverse()
            for name, sups_on in order:
                r = latency_phase(a, sups_on, children, tokens, pgc.sup_token, args)
                rows[name].append(r)
                print(
                    f"{rnd:5} {name:5} {r['event_rate']:6.0f} {r['p50']:7.2f} {r['p99']:7.2f}"
                    f" {r['max']:7.1f} {r['ack_p50']:8.2f} {r['ack_p99']:8.2f}"
                    f" {_fmt_retries(r['retries']):>14} {r['load']:5.1f}"
                )
    out: dict[str, Any] = {}
    for name, rs in rows.items():
        total: dict[str, int] = {}
        for r in rs:
            for k, v in r["retries"].items():
                total[k] = total.get(k, 0) + v
        out[name] = {
            "p50_ms": round(statistics.median(r["p50"] for r in rs), 2),
            "p99_ms": round(statistics.median(r["p99"] for r in rs), 2),
            "ack_p99_ms": round(statistics.median(r["ack_p99"] for r in rs), 2),
            "delivered": round(statistics.median(r["event_rate"] for r in rs)),
            "retries": total,
            "load": round(max(r["load"] for r in rs), 1),
        }
    x, s = out["A->B"], out["A->A"]
    print(
        f"\nmedian of rounds: A->B p50 {x['p50_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms;"
        f" A->A p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms;"
        f" cross/in-process p50 {x['p50_ms'] / s['p50_ms']:.2f}x,"
        f" p99 {x['p99_ms'] / s['p99_ms']:.2f}x; deadlock retries"
        f" {x['retries'].get('deadlock', 0) + s['retries'].get('deadlock', 0)}"
    )
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run (~2 min)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0, help="measured per phase")
    ap.add_argument("--warmup", type=float, default=1.5)
    ap.add_argument("--visitors", type=int, default=100)
    ap.add_argument("--window", type=int, default=4, help="messages in flight per visitor")
    ap.add_argument("--procs", default="1,2,4", help="PostgreSQL process counts (part A)")
    ap.add_argument(
        "--rate", default="500,100", help="msg/s in all, one part B run for each (part B)"
    )
    ap.add_argument("--latency-visitors", type=int, default=50)
    ap.add_argument("--only", choices=("a", "b"), help="run one part")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.warmup = 1, 2.0, 1.0
    os.environ.setdefault("CHATSUP_TIMEZONE", TZ_NAME)
    pgc = Postgres()
    summary: dict[str, Any] = {"measure": "scale_out", "cores": os.cpu_count()}
    try:
        if args.only in (None, "a"):
            summary["ingest"] = part_a(pgc, args)
        if args.only in (None, "b"):
            summary["live"] = part_b(pgc, args)
    finally:
        pgc.close()
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
