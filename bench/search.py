"""P2: full-text search p50/p95 over ~1M messages for a rare, a mid-frequency
and a very common word, with and without date/advisor filters, against a
`LIKE '%word%'` scan of the same table finding the same page — in the same
process, alternating rounds.

    python -m bench.search [--size 1m] [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.dataset import FROZEN_NOW, TZ, build, messages
from bench.server import pct


def words(db: Path) -> dict[str, str]:
    """A very common word (in the most messages), a mid-frequency one (in
    about 0.1% of messages) and a rare one (in about 10), letters only."""
    with sqlite3.connect(db) as c:
        c.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, 'messages_fts', 'row')"
        )
        total = c.execute("SELECT count(*) FROM messages").fetchone()[0]
        rows = c.execute(
            "SELECT term, doc FROM temp.v WHERE length(term) > 3"
            " AND term NOT GLOB '*[^a-z]*' ORDER BY doc DESC"
        ).fetchall()

    def near(n: float) -> str:
        return str(min(rows, key=lambda r: (abs(r[1] - n), r[0]))[0])

    return {"common": rows[0][0], "mid": near(max(total / 1000, 20)), "rare": near(10)}


def like_scan(
    conn: sqlite3.Connection, word: str, since: float | None, agent: int | None
) -> Callable[[], object]:
    """The baseline: 50 conversations with a matching message, newest match
    first, found by scanning the bodies with LIKE (same filters)."""
    conds, params = ["m.body LIKE ?"], [f"%{word}%"]
    if since is not None:
        conds.append("c.started_at >= ?")
        params.append(since)
    if agent is not None:
        conds.append("c.agent_id = ?")
        params.append(agent)
    sql = (
        "SELECT m.conversation_id, max(m.id) AS last FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id WHERE "
        + " AND ".join(conds)
        + " GROUP BY m.conversation_id ORDER BY last DESC LIMIT 50"
    )
    return lambda: conn.execute(sql, params).fetchall()


def fts_search(
    store: Any, word: str, since: datetime | None, agent: int | None
) -> Callable[[], object]:
    """chatsup's search as the server runs it (the store's read path, no HTTP)."""
    from chatsup.server.store import ListFilter
    from chatsup.server.store.conversations import list_conversations

    f = ListFilter(
        q=word, since=since.timestamp() if since else None, agent_ids=(agent,) if agent else ()
    )
    return lambda: store.read_sync(list_conversations, f)


def once(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from chatsup.server.store import Store

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1m")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="10k messages, 2 rounds")
    args = ap.parse_args(argv)
    size, rounds = ("10k", 2) if args.quick else (args.size, args.rounds)
    db, _ = build(size)
    store = Store.open(db, tz=TZ)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    agent = int(
        conn.execute(
            "SELECT agent_id FROM conversations WHERE agent_id IS NOT NULL"
            " GROUP BY agent_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    )
    since = datetime.fromtimestamp(FROZEN_NOW, TZ) - timedelta(days=30)
    print(
        f"\n## P2 search, {size}: {messages(db):,} messages ({rounds} rounds × 10 FTS, "
        f"× 1 LIKE, alternating)"
    )
    print(f"{'word':34} {'fts p50':>8} {'fts p95':>8} {'like p50':>9} {'ratio':>7}")
    out: dict[str, Any] = {}
    for kind, word in words(db).items():
        for label, s, a in (("", None, None), (" +30 days +advisor", since, agent)):
            fts = fts_search(store, word, s, a)
            like = like_scan(conn, word, s.timestamp() if s else None, a)
            fts()
            like()  # warm both
            ft: list[float] = []
            lt: list[float] = []
            for _ in range(rounds):
                ft.extend(once(fts) for _ in range(10))
                lt.append(once(like))
            key = f"{kind} '{word}'{label}"
            out[key] = {
                "fts_p50_ms": pct(ft, 0.5) * 1e3,
                "fts_p95_ms": pct(ft, 0.95) * 1e3,
                "like_p50_ms": pct(lt, 0.5) * 1e3,
                "ratio": pct(ft, 0.5) / pct(lt, 0.5),
            }
            r = out[key]
            print(
                f"{key:34} {r['fts_p50_ms']:8.1f} {r['fts_p95_ms']:8.1f} "
                f"{r['like_p50_ms']:9.1f} {r['ratio']:7.3f}"
            )
    store.close()
    worst = max(out.values(), key=lambda r: r["fts_p95_ms"])
    summary = {
        "bench": "P2",
        "size": size,
        "cases": out,
        "worst_fts_p95_ms": worst["fts_p95_ms"],
        "worst_ratio": max(r["ratio"] for r in out.values()),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
