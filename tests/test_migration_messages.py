"""The migration that lets a supervisor write (messages may come from a
supervisor; a note is `internal`) rebuilds the messages table: every row,
id and wait kept, its indexes and triggers (full-text search, waits) back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatsup.server.store.engine_sqlite import _split, migrate
from chatsup.server.store.schema import MIGRATIONS

BEFORE = 3  # the schema this migration starts from on this branch


def test_messages_rebuilt_with_rows_indexes_and_triggers(tmp_path: Path) -> None:
    # foreign keys off (sqlite3's default): only the messages table matters here
    db = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    for n, sql in enumerate(MIGRATIONS[:BEFORE], start=1):
        for statement in _split(sql):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {n}")
    db.execute(
        "INSERT INTO messages(id, conversation_id, sender, body, at)"
        " VALUES (7, 1, 'visitor', 'parcel lost', 10)"
    )
    db.execute(
        "INSERT INTO messages(id, conversation_id, sender, body, at, response_s)"
        " VALUES (8, 1, 'agent', 'found it', 40, 30)"
    )
    before = db.execute("SELECT id, waited_from, first_answer FROM messages ORDER BY id").fetchall()

    assert migrate(db) == len(MIGRATIONS)
    after = db.execute("SELECT id, waited_from, first_answer FROM messages ORDER BY id").fetchall()
    assert after == before == [(7, None, None), (8, 10.0, 1)]
    db.execute(
        "INSERT INTO messages(conversation_id, sender, body, at, internal)"
        " VALUES (1, 'supervisor', 'whisper parcel', 50, 1)"
    )
    db.execute(
        "INSERT INTO messages(conversation_id, sender, body, at, response_s)"
        " VALUES (1, 'supervisor', 'hello', 60, 5)"
    )
    hits = db.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'parcel' ORDER BY rowid"
    ).fetchall()
    assert [h[0] for h in hits] == [7, 9]  # the old row and the new one are searchable
    assert db.execute(
        "SELECT waited_from, first_answer FROM messages WHERE id = 10"
    ).fetchone() == (55.0, 0)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'messages'")}
    assert {
        "messages_conversation",
        "messages_at",
        "messages_waits",
        "messages_ai",
        "messages_wait",
    } <= names
    db.close()
