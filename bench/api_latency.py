"""List, search and detail latency over HTTP on the demo databases, and P2:
full-text search against a `LIKE '%word%'` scan of the same table.

    python -m bench.api_latency [--sizes 10k,1m] [--runs 30]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.dataset import TZ, build, messages
from bench.server import pct, serve


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    fn()  # warm
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def words(db: Path) -> dict[str, str]:
    """A rare, a mid-frequency and a very common word of the message bodies."""
    with sqlite3.connect(db) as c:
        c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main,"
                  " 'messages_fts', 'row')")
        rows = c.execute("SELECT term, doc FROM temp.v WHERE length(term) > 3"
                         " ORDER BY doc DESC").fetchall()
    n = len(rows)
    return {"common": rows[0][0], "mid": rows[n // 20][0], "rare": rows[int(n * 0.8)][0]}


def like_scan(db: Path, word: str) -> Callable[[], object]:
    """The baseline: the same page (50 conversations with a matching message,
    newest match first) found by scanning bodies with LIKE."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def run() -> object:
        return conn.execute(
            "SELECT conversation_id, max(id) AS m FROM messages WHERE body LIKE ?"
            " GROUP BY conversation_id ORDER BY m DESC LIMIT 50", (f"%{word}%",)).fetchall()
    return run


def fts_search(db: Path, word: str) -> Callable[[], object]:
    """chatsup's search, in process (no HTTP), as the store runs it."""
    from chatsup.server.store import ListFilter, Store
    from chatsup.server.store.conversations import list_conversations

    store = Store.open(db, tz=TZ)
    return lambda: store.read_sync(list_conversations, ListFilter(q=word))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10k,1m")
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    for size in args.sizes.split(","):
        db, token = build(size)
        print(f"\n## {size}: {messages(db):,} messages, {db.stat().st_size / 1e6:.0f} MB")
        ws = words(db)
        with serve(db) as url, httpx.Client(base_url=url, timeout=30,
                                            headers={"Authorization": f"Bearer {token}"}) as c:
            first = c.get("/v1/conversations").json()
            cid = first["items"][0]["id"]
            vid = first["items"][0]["visitor"]["id"]
            cur = first["next_cursor"]
            agent = c.get("/v1/agents").json()["items"][0]["id"]
            cases: dict[str, Callable[[], object]] = {
                "list first page": lambda: c.get("/v1/conversations"),
                "list next page": lambda cur=cur: c.get("/v1/conversations",
                                                        params={"cursor": cur}),
                "conversation detail": lambda cid=cid: c.get(f"/v1/conversations/{cid}"),
                "visitor details": lambda vid=vid: c.get(f"/v1/visitors/{vid}"),
                "visitors first page": lambda: c.get("/v1/visitors"),
                "calls + summary": lambda: c.get("/v1/calls"),
            }
            for kind, w in ws.items():
                cases[f"search {kind} '{w}'"] = (
                    lambda w=w, agent=agent: c.get("/v1/conversations", params={"q": w}))
                cases[f"search {kind} + advisor + 30 days"] = (
                    lambda w=w, agent=agent: c.get("/v1/conversations", params={
                        "q": w, "agent_id": agent, "since": "2026-10-19"}))
            print(f"{'request':44} {'p50 ms':>8} {'p95 ms':>8}")
            for name, fn in cases.items():
                t = timed(fn, args.runs)
                print(f"{name:44} {pct(t, .5) * 1e3:8.1f} {pct(t, .95) * 1e3:8.1f}")
            print(f"\n{'P2 search (in process) vs LIKE scan':44} {'fts p50':>8} {'like p50':>8}"
                  f" {'ratio':>7}")
            for kind, w in ws.items():
                fts = timed(fts_search(db, w), args.runs)
                scan = timed(like_scan(db, w), max(3, args.runs // 5))
                print(f"{kind + ' ' + repr(w):44} {pct(fts, .5) * 1e3:8.1f}"
                      f" {pct(scan, .5) * 1e3:8.1f} {pct(fts, .5) / pct(scan, .5):7.3f}")


if __name__ == "__main__":
    main()
