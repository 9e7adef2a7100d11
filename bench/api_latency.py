"""List, search and detail latency over HTTP on the demo databases (P2's
search-against-scan comparison is bench/search.py).

    python -m bench.api_latency [--sizes 10k,1m] [--runs 30] [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.dataset import build, messages
from bench.search import words
from bench.server import pct, serve


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    fn()  # warm
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10k,1m")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="10k only, 10 runs")
    args = ap.parse_args(argv)
    sizes, runs = (["10k"], 10) if args.quick else (args.sizes.split(","), args.runs)
    summary: dict[str, Any] = {"bench": "API latency"}
    for size in sizes:
        db, token = build(size)
        print(f"\n## {size}: {messages(db):,} messages, {db.stat().st_size / 1e6:.0f} MB")
        ws = words(db)
        with (
            serve(db) as url,
            httpx.Client(
                base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
            ) as c,
        ):
            first = c.get("/v1/conversations").json()
            cid = first["items"][0]["id"]
            vid = first["items"][0]["visitor"]["id"]
            cur = first["next_cursor"]
            agent = c.get("/v1/agents").json()["items"][0]["id"]
            cases: dict[str, Callable[[], object]] = {
                "list first page": lambda: c.get("/v1/conversations"),
                "list next page": lambda cur=cur: c.get(
                    "/v1/conversations", params={"cursor": cur}
                ),
                "conversation detail": lambda cid=cid: c.get(f"/v1/conversations/{cid}"),
                "visitor details": lambda vid=vid: c.get(f"/v1/visitors/{vid}"),
                "visitors first page": lambda: c.get("/v1/visitors"),
                "calls + summary": lambda: c.get("/v1/calls"),
            }
            for kind, w in ws.items():
                cases[f"search {kind} '{w}'"] = lambda w=w, agent=agent: c.get(
                    "/v1/conversations", params={"q": w}
                )
                cases[f"search {kind} + advisor + 30 days"] = lambda w=w, agent=agent: c.get(
                    "/v1/conversations", params={"q": w, "agent_id": agent, "since": "2026-10-19"}
                )
            print(f"{'request':44} {'p50 ms':>8} {'p95 ms':>8}")
            figures: dict[str, dict[str, float]] = {}
            for name, fn in cases.items():
                t = timed(fn, runs)
                figures[name] = {"p50_ms": pct(t, 0.5) * 1e3, "p95_ms": pct(t, 0.95) * 1e3}
                print(f"{name:44} {pct(t, 0.5) * 1e3:8.1f} {pct(t, 0.95) * 1e3:8.1f}")
            summary[size] = figures
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
