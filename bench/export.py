"""P9: CSV export of every conversation (one row per message) of the ~1M
message demo database: rows a second, and the server's memory while it
streams.

chatsup: `GET /v1/export/conversations?format=csv` from a server in its own
process, streamed by this process to a file. The server's peak RSS during
the export (VmHWM, reset before each export) is compared with its RSS
before: flat memory means the growth does not depend on the size.

Baseline: a fresh Python process runs one plain SQLite query for the same
rows (same columns, same order) and writes them with `csv` to a file, with
the same cell formatting (ISO times in the company time zone, the
spreadsheet-formula guard): the two files are compared byte for byte.

    python -m bench.export [--quick] [--size 1m] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.dataset import build, messages
from bench.wsbench import chatsup_server, reset_peak, rss_mb, status_kb

AIM_RATIO = 0.5
# "Flat": the server's heap stops growing, whatever the size: over the second
# half of an export it grows by less than this. (It does grow at first: the
# store's SQLite page caches fill, 64 MB a connection at most, and the database
# file is memory-mapped, 256 MB at most, counted in RSS as file pages.)
FLAT_MB = 16.0

BASELINE_SQL = """
SELECT c.id, c.started_at, s.name, a.name, v.number, p.name,
       CASE WHEN c.ended_at IS NOT NULL THEN 'ended'
            WHEN c.agent_messages > 0 THEN 'answered'
            WHEN c.visitor_messages > 0 THEN 'unanswered' ELSE 'open' END,
       c.first_response_s, m.id, m.at, m.sender,
       CASE WHEN m.sender = 'agent' THEN ma.name END, m.body, m.media_url
FROM conversations c
JOIN sites s ON s.id = c.site_id
JOIN visitors v ON v.id = c.visitor_id
LEFT JOIN agents a ON a.id = c.agent_id
LEFT JOIN profiles p ON p.visitor_id = c.visitor_id
JOIN messages m ON m.conversation_id = c.id
LEFT JOIN agents ma ON ma.id = m.agent_id
ORDER BY c.started_at DESC, c.id DESC, m.id
"""
HEADER = [
    "conversation_id",
    "conversation_started_at",
    "site",
    "advisor",
    "visitor_number",
    "visitor_name",
    "status",
    "first_response_s",
    "message_id",
    "at",
    "sender",
    "sender_name",
    "body",
    "media_url",
]


def baseline_worker(db: str, out: str, tz_name: str) -> None:
    """The baseline, in a fresh process: one query, `csv.writer`, a file."""
    import sqlite3
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from chatsup.domain.text import spreadsheet_safe

    tz = ZoneInfo(tz_name)
    t0 = time.perf_counter()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff")
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for r in conn.execute(BASELINE_SQL):
            row = list(r)
            row[1] = datetime.fromtimestamp(row[1], tz).isoformat(timespec="milliseconds")
            row[9] = datetime.fromtimestamp(row[9], tz).isoformat(timespec="milliseconds")
            w.writerow([spreadsheet_safe(v) for v in row])
            rows += 1
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "peak_rss_mb": status_kb(os.getpid(), "VmHWM") / 1024,
            }
        )
    )


def _baseline(db: Path, out: Path) -> dict[str, Any]:
    p = subprocess.run(
        [sys.executable, "-m", "bench.export", "--baseline-worker", str(db), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    r: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    r["rate"] = r["rows"] / r["seconds"]
    return r


def _chatsup(url: str, pid: int, token: str, out: Path) -> dict[str, Any]:
    samples: list[float] = []
    done = threading.Event()

    anon: list[float] = []

    def sample() -> None:
        while not done.wait(0.05):
            samples.append(rss_mb(pid))
            anon.append(status_kb(pid, "RssAnon") / 1024)

    before = rss_mb(pid)
    anon_before = status_kb(pid, "RssAnon") / 1024
    reset_peak(pid)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    with (
        httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"}) as c,
        c.stream("GET", "/v1/export/conversations", params={"format": "csv"}) as r,
        open(out, "wb") as f,
    ):
        r.raise_for_status()
        for chunk in r.iter_raw(1 << 16):
            f.write(chunk)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    peak = status_kb(pid, "VmHWM") / 1024
    with open(out, encoding="utf-8-sig", newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    quarter = (
        [samples[min(len(samples) - 1, len(samples) * k // 4)] for k in (1, 2, 3)]
        if samples
        else []
    )
    return {
        "rows": rows,
        "seconds": seconds,
        "rate": rows / seconds,
        "before_mb": before,
        "peak_rss_mb": peak,
        "growth_mb": peak - before,
        "rss_quarters_mb": quarter,
        "anon_growth_mb": max(anon, default=anon_before) - anon_before,
        "anon_quarters_mb": [
            anon[min(len(anon) - 1, len(anon) * k // 4)] - anon_before for k in (1, 2, 3)
        ]
        if anon
        else [],
        "file_mb": status_kb(pid, "RssFile") / 1024,
    }


def _token_for(db: Path) -> str:
    from chatsup.cli import create_token
    from chatsup.server.store import Store

    store = Store.open(db)
    try:
        return str(create_token(store, "supervisor", "bench", None))
    finally:
        store.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the 10k database, 2 rounds")
    ap.add_argument("--size", default="1m")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--db", type=Path, help="export this database instead (a supervisor token is added to it)"
    )
    ap.add_argument("--baseline-worker", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from bench.dataset import TZ

    if args.baseline_worker:
        baseline_worker(*args.baseline_worker, str(TZ))
        return {}
    if args.quick:
        args.size, args.rounds = "10k", 2

    if args.db:
        db, token = args.db, _token_for(args.db)
        args.size = args.db.name
    else:
        db, token = build(args.size)
    total = messages(db)
    rows: dict[str, list[dict[str, Any]]] = {"chatsup": [], "baseline": []}
    same = True
    with tempfile.TemporaryDirectory(prefix="chatsup-export-") as tmp, chatsup_server(db) as srv:
        ours_file, base_file = Path(tmp) / "chatsup.csv", Path(tmp) / "baseline.csv"
        print(f"P9 CSV export: {args.size} database, {total:,} messages, {args.rounds} rounds")
        print(
            f"{'round':>5} {'export':9} {'rows':>9} {'s':>6} {'rows/s':>8} {'RSS before':>10}"
            f" {'peak':>8} {'growth':>7}  RSS at 1/4, 1/2, 3/4"
        )
        for rnd in range(1, args.rounds + 1):
            order = ["chatsup", "baseline"] if rnd % 2 else ["baseline", "chatsup"]
            for name in order:
                if name == "chatsup":
                    r = _chatsup(srv.url, srv.pid, token, ours_file)
                    q = ", ".join(f"{x:.0f}" for x in r["rss_quarters_mb"])
                    print(
                        f"{rnd:5} {name:9} {r['rows']:9,} {r['seconds']:6.2f} {r['rate']:8.0f}"
                        f" {r['before_mb']:8.0f}MB {r['peak_rss_mb']:6.0f}MB"
                        f" {r['growth_mb']:5.0f}MB  {q} MB"
                    )
                    print(
                        f"{'':16} heap (RssAnon) growth at 1/4, 1/2, 3/4, peak: "
                        + ", ".join(f"{x:.0f}" for x in r["anon_quarters_mb"])
                        + f", {r['anon_growth_mb']:.0f} MB; the db file mapped:"
                        f" {r['file_mb']:.0f} MB"
                    )
                else:
                    r = _baseline(db, base_file)
                    print(
                        f"{rnd:5} {name:9} {r['rows']:9,} {r['seconds']:6.2f} {r['rate']:8.0f}"
                        f" {'':>10} {r['peak_rss_mb']:6.0f}MB (fresh process)"
                    )
                rows[name].append(r)
            same = same and filecmp.cmp(ours_file, base_file, shallow=False)
        size_mb = ours_file.stat().st_size / 1e6

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[name])

    ours, base = med("chatsup", "rate"), med("baseline", "rate")
    ratio = ours / base
    growth = max(r["growth_mb"] for r in rows["chatsup"])
    heap = max(r["anon_growth_mb"] for r in rows["chatsup"])
    late = max(r["anon_growth_mb"] - (r["anon_quarters_mb"] or [0, 0])[1] for r in rows["chatsup"])
    met = ratio >= AIM_RATIO and late <= FLAT_MB
    print(f"\n{size_mb:.0f} MB of CSV, files identical: {same}")
    print(
        f"median rows/s: chatsup {ours:,.0f}, plain query + csv {base:,.0f}, ratio {ratio:.2f};"
        f" server RSS growth at most {growth:.0f} MB"
        f" (peak {max(r['peak_rss_mb'] for r in rows['chatsup']):.0f} MB), of it heap"
        f" {heap:.0f} MB, {late:.0f} MB of that over the second half of an export"
        f" (aim >= {AIM_RATIO}x and flat memory (< {FLAT_MB:g} MB over the second half):"
        f" {'met' if met else 'NOT met'})"
    )
    summary = {
        "measure": "P9",
        "name": "export",
        "unit": "rows/s",
        "size": args.size,
        "rows": total,
        "chatsup": round(ours),
        "baseline": round(base),
        "ratio": round(ratio, 3),
        "server_peak_mb": round(max(r["peak_rss_mb"] for r in rows["chatsup"])),
        "server_growth_mb": round(growth, 1),
        "server_heap_growth_mb": round(heap, 1),
        "heap_growth_second_half_mb": round(late, 1),
        "baseline_peak_mb": round(med("baseline", "peak_rss_mb")),
        "identical_output": same,
        "aim": f">= {AIM_RATIO}x, flat memory",
        "met": met,
        "rounds": args.rounds,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
