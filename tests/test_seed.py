"""The demo data: every entity, every call state and end reason, some
unanswered chats and media, deterministic for a seed."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chatsup.domain.models import END_REASONS
from chatsup.server.seed import seed_demo
from chatsup.server.store import Store

NOW = 1_795_000_000.0


def seeded(path: Path, seed: int = 7) -> sqlite3.Connection:
    store = Store.open(path, tz=ZoneInfo("Europe/Paris"))
    try:
        seed_demo(store, days=10, scale=0.5, seed=seed, now=NOW)
        with pytest.raises(ValueError):
            seed_demo(store, days=1, now=NOW)
    finally:
        store.close()
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_every_entity_is_there(tmp_path: Path) -> None:
    db = seeded(tmp_path / "a.db")
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    for table in (
        "sites",
        "agents",
        "visitors",
        "sessions",
        "page_views",
        "conversations",
        "messages",
        "offline_messages",
        "calls",
        "sms",
        "callbacks",
        "profiles",
    ):
        assert one(f"SELECT count(*) FROM {table}") > 0, table
    states = {r[0] for r in db.execute("SELECT DISTINCT state FROM calls")}
    assert {"ended", "missed", "rejected", "failed"} <= states
    reasons = {r[0] for r in db.execute("SELECT DISTINCT end_reason FROM calls")} - {None}
    assert reasons <= set(END_REASONS) and len(reasons) >= 5
    assert (
        one("SELECT count(*) FROM conversations WHERE visitor_messages > 0 AND agent_messages = 0")
        > 0
    )
    assert one("SELECT count(*) FROM messages WHERE media_url IS NOT NULL") > 0
    assert (
        one(
            "SELECT count(*) FROM visitors v WHERE (SELECT count(*) FROM sessions s"
            " WHERE s.visitor_id = v.id) > 1"
        )
        > 0
    )  # returning visitors
    # history is not live news: the event log stays empty
    assert one("SELECT count(*) FROM events") == 0
    # ids grow with time (full-text search reads newest-first by id)
    ats = [r[0] for r in db.execute("SELECT at FROM messages ORDER BY id")]
    late = sum(1 for a, b in itertools.pairwise(ats) if b < a - 3600)
    assert late < len(ats) * 0.01
    assert one("SELECT max(at) FROM messages") <= NOW


def test_deterministic(tmp_path: Path) -> None:
    q = "SELECT body FROM messages ORDER BY id"
    a = [r[0] for r in seeded(tmp_path / "a.db").execute(q)]
    b = [r[0] for r in seeded(tmp_path / "b.db").execute(q)]
    c = [r[0] for r in seeded(tmp_path / "c.db", seed=8).execute(q)]
    assert a == b and a != c


def test_seeded_messages_are_searchable_and_new_ones_too(tmp_path: Path) -> None:
    """The seed builds the message index at the end: every seeded message is
    in it, and the index follows messages written afterwards."""
    from chatsup.server.store import ListFilter
    from chatsup.server.store.conversations import list_conversations
    from chatsup.server.store.messages import NewMessage, visitor_message

    db = seeded(tmp_path / "s.db")
    assert db.execute(
        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH"
        " 'colis OR parcel OR commande OR order OR hello OR bonjour'"
    ).fetchone()[0]
    db.close()
    store = Store.open(tmp_path / "s.db", tz=ZoneInfo("Europe/Paris"))
    try:
        conv = store.read_sync(
            lambda rx: rx.one("SELECT visitor_id, session_id, site_id FROM conversations LIMIT 1")
        )
        assert conv is not None
        store.write_sync(
            visitor_message,
            conv["visitor_id"],
            conv["session_id"],
            conv["site_id"],
            NewMessage(body="zanzibarquokka after the seed"),
        )
        found = store.read_sync(list_conversations, ListFilter(q="zanzibarquokka"))
        assert len(found["items"]) == 1
    finally:
        store.close()


def test_chats_meet_the_hard_cases(tmp_path: Path) -> None:
    """Runs of visitor messages, answers by another advisor than the one
    presented, late answers, system notes, chats across midnight; and the
    message ids still grow with time (a later day's action waits for it)."""
    db = seeded(tmp_path / "a.db")
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    runs = one(
        "SELECT count(*) FROM messages m JOIN messages n ON n.conversation_id = m.conversation_id"
        " AND n.id = (SELECT min(id) FROM messages k WHERE k.conversation_id = m.conversation_id"
        " AND k.id > m.id) WHERE m.sender = 'visitor' AND n.sender = 'visitor'"
    )
    assert runs > 20
    other = one(
        "SELECT count(*) FROM conversations c JOIN sessions s ON s.id = c.session_id"
        " WHERE c.agent_id IS NOT NULL AND c.agent_id IS NOT s.presented_agent_id"
    )
    assert other > 10
    assert one("SELECT count(*) FROM messages WHERE response_s > 86400") > 0
    assert one("SELECT count(*) FROM messages WHERE response_s > 4 * 3600") > 5
    assert one("SELECT count(*) FROM messages WHERE sender = 'system'") > 5
    across = one(
        "SELECT count(*) FROM conversations c WHERE date(c.started_at, 'unixepoch', '+1 hour')"
        " <> date((SELECT max(at) FROM messages m WHERE m.conversation_id = c.id),"
        " 'unixepoch', '+1 hour')"
    )
    assert across > 5
    ats = [r[0] for r in db.execute("SELECT at FROM messages ORDER BY id")]
    assert sum(1 for a, b in itertools.pairwise(ats) if b < a - 3600) == 0
