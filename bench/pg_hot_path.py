"""The visitor-message hot path at store level: PostgreSQL against SQLite.

One store per engine (no HTTP, no WebSocket), the same visitor messages
(with a client key, as the widget sends them) from 50 visitors, submitted
at once and committed in the writer's batches: messages a second on each,
in the same run. On PostgreSQL it also counts the statements and the round
trips one message costs (a round trip: the client waits for the server;
statements sent together in one pipeline are one), alone in its batch and
in a batch of 60. Both stores flush every commit (SQLite synchronous=full,
PostgreSQL fsync and synchronous_commit on).

    python -m bench.pg_hot_path [--messages 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.server import TZ_NAME, free_port
from chatsup.server.store import Store, sites
from chatsup.server.store import messages as ms
from chatsup.server.store import visits as vs
from tests import pg

VISITORS = 50


class Counter:
    """Statements and round trips of the PostgreSQL engine's connections."""

    def __init__(self) -> None:
        self.statements = 0
        self.round_trips = 0

    @contextlib.contextmanager
    def installed(self) -> Iterator[Counter]:
        import psycopg

        from chatsup.server.store.engine_pg import PgConnection

        raw_execute = psycopg.Connection.execute
        flush = getattr(PgConnection, "flush", None)  # (an engine without pipelines: none)
        counter = self

        def execute(conn: Any, *a: Any, **kw: Any) -> Any:
            counter.statements += 1
            if conn._pipeline is None:
                counter.round_trips += 1
            return raw_execute(conn, *a, **kw)

        def flushed(conn: Any, *a: Any, **kw: Any) -> Any:
            counter.round_trips += 1
            assert flush is not None
            return flush(conn, *a, **kw)

        psycopg.Connection.execute = execute  # type: ignore[method-assign]
        if flush is not None:
            PgConnection.flush = flushed  # type: ignore[method-assign]
        try:
            yield self
        finally:
            psycopg.Connection.execute = raw_execute  # type: ignore[method-assign]
            if flush is not None:
                PgConnection.flush = flush  # type: ignore[method-assign]


def prepare(store: Store) -> list[int]:
    site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
    return [
        store.write_sync(vs.start_session, vs.Visit(site, None))["visitor_id"]
        for _ in range(VISITORS)
    ]


def burst(store: Store, visitors: list[int], n: int, tag: str) -> float:
    """n messages submitted at once; messages a second."""
    t0 = time.perf_counter()
    futs = [
        store.submit(
            ms.visitor_message_in_latest_visit,
            visitors[i % len(visitors)],
            ms.NewMessage(f"hello {i}", client_key=f"{tag}-{i}"),
        )
        for i in range(n)
    ]
    for f in futs:
        f.result()
    return n / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    tz = ZoneInfo(TZ_NAME)
    tmp = tempfile.TemporaryDirectory(prefix="chatsup-hot-")
    root = pg.cluster_dir(Path(tmp.name) / "pg")
    root.mkdir(parents=True, exist_ok=True)
    cluster = pg.Cluster(root, free_port(), settings=pg.DURABLE).start()
    try:
        url = cluster.url(cluster.new_database())
        sq = Store.open(Path(tmp.name) / "hot.db", tz=tz)
        pq = Store.open(Path(tmp.name) / "unused.db", tz=tz, url=url)
        try:
            sq_v, pg_v = prepare(sq), prepare(pq)
            burst(pq, pg_v, 200, "warm")  # prepared statements, caches
            burst(sq, sq_v, 200, "warm")
            counts: dict[str, dict[str, float]] = {}
            with Counter().installed() as c:
                pq.write_sync(
                    ms.visitor_message_in_latest_visit,
                    pg_v[0],
                    ms.NewMessage("one", client_key="c-one"),
                )
                counts["alone"] = {"statements": c.statements, "round_trips": c.round_trips}
                c.statements = c.round_trips = 0
                burst(pq, pg_v, 600, "count")
                counts["batched"] = {
                    "statements": c.statements / 600,
                    "round_trips": c.round_trips / 600,
                }
            rates: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            for rnd in range(args.rounds):
                order = [("sqlite", sq, sq_v), ("postgresql", pq, pg_v)]
                if rnd % 2:
                    order.reverse()
                for name, store, v in order:
                    rates[name].append(burst(store, v, args.messages, f"r{rnd}"))
        finally:
            sq.close()
            pq.close()
    finally:
        cluster.stop()
        tmp.cleanup()
    sq_rate = statistics.median(rates["sqlite"])
    pg_rate = statistics.median(rates["postgresql"])
    print(
        f"one visitor message on PostgreSQL: alone {counts['alone']['statements']:.0f} statements"
        f" in {counts['alone']['round_trips']:.0f} round trips; in batches"
        f" {counts['batched']['statements']:.1f} statements in"
        f" {counts['batched']['round_trips']:.1f} round trips a message"
    )
    print(
        f"store level, {args.messages} messages x {args.rounds} rounds (median):"
        f" SQLite {sq_rate:.0f} msg/s, PostgreSQL {pg_rate:.0f} msg/s,"
        f" ratio {pg_rate / sq_rate:.3f}"
    )
    summary = {
        "measure": "pg_hot_path",
        "sqlite": round(sq_rate),
        "postgresql": round(pg_rate),
        "ratio": round(pg_rate / sq_rate, 3),
        "per_message": counts,
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
