"""The store's writer alone: visitor messages in batches of a given size
(1: one commit a message, as at 1k msg/s; 100: as at saturation), on a
fresh SQLite database with `synchronous=full`. Prints the process's user
and system CPU a message (the writer's, plus the submitting thread's
little), the wall time a message and how much the WAL grew.

    python -m bench.writer [--messages 3000] [--batch 1]

No server, no sockets: the figure to compare between two versions of the
store, run back to back (the whole process's CPU moves less with the
machine's load than any rate).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chatsup.server.store import Store, sites
from chatsup.server.store import messages as ms
from chatsup.server.store import visits as vs

VISITORS = 50
WARM = 200


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=1, help="messages a commit")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chatsup-writer-") as tmp:
        path = Path(tmp) / "w.db"
        store = Store.open(path, tz=ZoneInfo("UTC"))
        try:
            site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
            visitors = [
                store.write_sync(vs.start_session, vs.Visit(site, None))["visitor_id"]
                for _ in range(VISITORS)
            ]
            for i in range(WARM):
                store.write_sync(
                    ms.visitor_message_in_latest_visit,
                    visitors[i % VISITORS],
                    ms.NewMessage(f"warm {i} hello there", None, f"w{i}"),
                )
            wal = Path(f"{path}-wal")
            wal0 = wal.stat().st_size
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            i = 0
            while i < args.messages:
                futs = []
                for _ in range(min(args.batch, args.messages - i)):
                    m = ms.NewMessage(f"message {i} about an order and a delivery", None, f"k{i}")
                    v = visitors[i % VISITORS]
                    futs.append(store.submit(ms.visitor_message_in_latest_visit, v, m))
                    i += 1
                for f in futs:
                    f.result()
            r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            wal1 = wal.stat().st_size
        finally:
            store.close()
    n = args.messages
    out = {
        "measure": "writer",
        "messages": n,
        "batch": args.batch,
        "user_us": round((r1.ru_utime - r0.ru_utime) / n * 1e6),
        "sys_us": round((r1.ru_stime - r0.ru_stime) / n * 1e6),
        "wall_us": round((t1 - t0) / n * 1e6),
        "wal_kib_per_msg": round((wal1 - wal0) / n / 1024, 1),
        "wal_mb": round(wal1 / 1e6, 1),
        "load": round(os.getloadavg()[0], 1),
    }
    print(
        f"writer, {n} visitor messages in batches of {args.batch}: user {out['user_us']} us,"
        f" system {out['sys_us']} us, wall {out['wall_us']} us a message; the WAL grew"
        f" {out['wal_kib_per_msg']} KiB a message ({out['wal_mb']} MB at the end)"
    )
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
