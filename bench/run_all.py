"""`make bench`: every benchmark in turn, its figures printed and collected
into bench/results.json (the source of BENCHMARKS.md). A script that fails is
reported and the others still run. Benchmarks print; they never assert.

    python -m bench.run_all [--quick] [--only P2,P6]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
import traceback
from pathlib import Path
from typing import Any

from bench.dataset import build

# (measure, module, extra arguments for a full run)
SCRIPTS: list[tuple[str, str, list[str]]] = [
    ("P1/P7/P8", "bench.console", []),
    ("P2", "bench.search", []),
    ("P3", "bench.ingest", []),
    ("P4", "bench.live_latency", []),
    ("P5", "bench.idle_sockets", []),
    ("P6", "bench.reports", []),
    ("P9", "bench.export", []),
    ("API", "bench.api_latency", []),
]
RESULTS = Path(__file__).parent / "results.json"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small datasets, few rounds")
    ap.add_argument("--only", default="", help="comma-separated measures, e.g. P2,P6")
    args = ap.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    t0 = time.perf_counter()
    for size in ("10k",) if args.quick else ("10k", "1m"):
        build(size)  # once, up front (the 1M one takes a few minutes the first time)
    out: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "results": {},
    }
    for measure, module, extra in SCRIPTS:
        if only and not (only & set(measure.split("/"))):
            continue
        print(f"\n=================== {measure}: python -m {module}", flush=True)
        t = time.perf_counter()
        try:
            mod = importlib.import_module(module)
            res = mod.main((["--quick"] if args.quick else []) + extra)
            out["results"][measure] = {
                "ok": True,
                "seconds": time.perf_counter() - t,
                "figures": res,
            }
        except Exception as e:  # one failing script does not stop the others
            traceback.print_exc()
            out["results"][measure] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    out["total_s"] = time.perf_counter() - t0
    # a short run never replaces the figures BENCHMARKS.md comes from
    results = RESULTS.with_name("results-quick.json") if args.quick else RESULTS
    if not only:
        results.write_text(json.dumps(out, indent=1, default=str))
    print(
        f"\nall benchmarks in {out['total_s']:.0f} s" + ("" if only else f"; figures in {results}")
    )
    for measure, r in out["results"].items():
        print(
            f"  {measure:10} {'ok' if r['ok'] else 'FAILED: ' + r['error']}"
            + (f" ({r['seconds']:.0f} s)" if r["ok"] else "")
        )
    return out


if __name__ == "__main__":
    main()
