"""The migration that lets a supervisor write (messages may come from a
supervisor; a note is `internal`) replaces the messages' `sender` column:
every row, id, sender and wait kept, and every column, index and trigger
that migrations before it made (whatever they are) still there, with the
foreign keys on as the server runs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from chatsup.server.store.engine_sqlite import _split, migrate
from chatsup.server.store.schema import MIGRATIONS

BEFORE = 4  # the schema this migration (5) starts from


def insert(db: sqlite3.Connection, table: str, **values: Any) -> None:
    """A row with `values` and a placeholder in every other NOT NULL column."""
    for _, name, kind, notnull, default, pk in db.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and not pk and name not in values:
            values[name] = 0 if kind in ("INTEGER", "REAL") else "x"
    cols = ", ".join(values)
    db.execute(
        f"INSERT INTO {table}({cols}) VALUES ({', '.join('?' * len(values))})", [*values.values()]
    )


def test_messages_keep_rows_columns_indexes_and_triggers(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    for n, sql in enumerate(MIGRATIONS[:BEFORE], start=1):
        for statement in _split(sql):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {n}")
    # (migration 4 added messages.media_id and its index: they must survive)
    insert(db, "sites", id=1)
    insert(db, "agents", id=1)
    insert(db, "visitors", id=1, site_id=1)
    insert(db, "media", id=5, visitor_id=1, size=3, data=b"abc", created_at=0)
    insert(db, "conversations", id=1, visitor_id=1, site_id=1, started_at=0)
    insert(db, "messages", id=7, conversation_id=1, sender="visitor", body="parcel lost", at=10)
    insert(
        db,
        "messages",
        id=8,
        conversation_id=1,
        sender="agent",
        agent_id=1,
        body="found it",
        at=40,
        response_s=30,
        media_id=5,
    )
    cols = "id, sender, agent_id, waited_from, first_answer, media_id"
    before = db.execute(f"SELECT {cols} FROM messages ORDER BY id").fetchall()

    assert migrate(db) == len(MIGRATIONS)
    after = db.execute(f"SELECT {cols} FROM messages ORDER BY id").fetchall()
    assert (
        after
        == before
        == [
            (7, "visitor", None, None, None, None),
            (8, "agent", 1, 10.0, 1, 5),
        ]
    )
    insert(
        db,
        "messages",
        conversation_id=1,
        sender="supervisor",
        body="whisper parcel",
        at=50,
        internal=1,
    )
    insert(
        db, "messages", conversation_id=1, sender="supervisor", body="hello", at=60, response_s=5
    )
    with pytest.raises(sqlite3.IntegrityError):
        insert(db, "messages", conversation_id=1, sender="robot", body="no", at=70)
    hits = db.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'parcel' ORDER BY rowid"
    ).fetchall()
    assert [h[0] for h in hits] == [7, 9]  # the old row and the new one are searchable
    assert db.execute(
        "SELECT waited_from, first_answer, internal FROM messages WHERE id = 10"
    ).fetchone() == (55.0, 0, 0)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'messages'")}
    assert {
        "messages_conversation",
        "messages_at",
        "messages_waits",
        "messages_media",
        "messages_ai",
        "messages_wait",
    } <= names
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
