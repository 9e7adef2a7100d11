"""Demo databases at several sizes, built once with the demo generator and
cached under bench/.data (delete it to rebuild)."""

from __future__ import annotations

import fcntl
import sqlite3
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from chatsup.server.seed import seed_demo
from chatsup.server.store import Store
from chatsup.server.store.tokens import create_token

DATA = Path(__file__).parent / ".data"
TZ = ZoneInfo("Europe/Paris")
# scale → roughly how many messages (measured at 90 days)
SIZES = {"10k": 0.25, "100k": 2.5, "1m": 25.0}
FROZEN_NOW = 1_795_000_000.0  # 2026-11-18: the same data every run


def build(name: str) -> tuple[Path, str]:
    """The database for a size name and a supervisor token for it. Built into
    a side file renamed when complete, under a lock: benchmarks running at
    the same time wait for one build instead of deleting each other's."""
    DATA.mkdir(exist_ok=True)
    db = DATA / f"demo-{name}.db"
    token_file = DATA / f"demo-{name}.token"
    with (DATA / f"demo-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not db.exists() or not token_file.exists():
            side = DATA / f"demo-{name}.building.db"
            for p in (db, side, Path(f"{side}-wal"), Path(f"{side}-shm")):
                p.unlink(missing_ok=True)
            t = time.perf_counter()
            store = Store.open(side, tz=TZ, synchronous="off")
            report = seed_demo(
                store,
                days=90,
                scale=SIZES[name],
                seed=7,
                now=FROZEN_NOW,
                progress=lambda line: print(
                    f"{time.perf_counter() - t:6.0f} s {line}", file=sys.stderr, flush=True
                ),
            )
            token = create_token(store, "supervisor", "bench", None)
            store.close()
            conn = sqlite3.connect(side)  # everything into the main file before the rename
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.close()
            side.replace(db)
            token_file.write_text(token)
            print(f"built {db.name} in {time.perf_counter() - t:.1f} s: {report}", file=sys.stderr)
    return db, token_file.read_text().strip()


def messages(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute("SELECT count(*) FROM messages").fetchone()[0])
