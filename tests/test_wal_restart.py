"""The SQLite WAL is started again from its beginning under a steady stream
of commits (store/db.py `_restart_wal`). SQLite reuses a WAL only once every
frame of it is copied back to the database; the checkpointer's passes, off
the writer's path, never catch up with the last commit while commits keep
coming, so without the writer's own pass between two batches the file grew
by every commit (~80 KiB for a lone message), for as long as the stream
lasted, and each commit's fsync journalled the file's new size."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chatsup.server.store import Store, sites
from chatsup.server.store import db as store_db
from chatsup.server.store import messages as ms
from chatsup.server.store import visits as vs

WRITES = 600


def test_the_wal_stays_short_under_a_steady_stream_of_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "CHECKPOINT_EVERY_S", 0.01)
    monkeypatch.setattr(store_db, "RESTART_FRAMES", 50)
    path = tmp_path / "s.db"
    store = Store.open(path)
    try:
        site = store.write_sync(sites.create_site, "Shop", "shop.example")["id"]
        visitor = store.write_sync(vs.start_session, vs.Visit(site, None))["visitor_id"]
        for i in range(WRITES):  # one message a commit, back to back
            store.write_sync(
                ms.visitor_message_in_latest_visit, visitor, ms.NewMessage(f"hello {i}", None)
            )
        wal = Path(f"{path}-wal").stat().st_size
    finally:
        store.close()
    # every commit appends ~20 pages of 4 KiB: 600 of them are ~48 MB of WAL
    # when it is never started again; restarted every ~50 frames it stays
    # within a few commits' worth
    assert wal < 8 << 20, f"the WAL grew to {wal / 2**20:.1f} MiB"
    conn = sqlite3.connect(path)
    try:
        count = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        conn.close()
    assert count == WRITES
