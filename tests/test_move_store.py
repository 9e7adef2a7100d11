"""`chatsup move-store --to URL` (store/move.py): an SQLite store, seeded by
the demo seeder and then written to through a real server, moves to a
PostgreSQL database with every row and every id kept; a server on the
target answers what the console asks exactly as one on the SQLite file;
new writes continue after the old ids; a non-empty target, or a source a
server still has open, is refused with nothing written."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from chatsup.cli import main
from chatsup.server.seed import seed_demo
from chatsup.server.store import Store
from chatsup.server.store.move import PG_ONLY, MoveError, move_store
from tests import pg
from tests.harness import RunningServer, World, make_settings

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value, in a blob


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables holding rows (FTS indexes and their shadows left out)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [n for n, sql in rows if sql.startswith("CREATE VIRTUAL TABLE")]
    return sorted(
        n
        for n, _ in rows
        if not n.startswith("sqlite_") and not any(n.startswith(v) for v in virtual)
    )


def sql(db: Path, statement: str) -> None:
    """Run one statement on the SQLite file, foreign keys unchecked; closed."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(statement)
    finally:
        conn.close()


def norm(v: Any) -> Any:
    """A value as both databases can hold it (bytes for blobs and orjson text)."""
    if isinstance(v, memoryview):
        return bytes(v)
    return v


def columns_and_key(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[str]]:
    info = conn.execute(f"PRAGMA table_info({table})").fetchall()
    cols = [r[1] for r in info]
    return cols, [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]] or cols


def sqlite_rows(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cols, key = columns_and_key(conn, table)
    rows = conn.execute(
        f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(key)}"
    ).fetchall()
    return cols, [tuple(norm(v) for v in r) for r in rows]


MARKED = re.compile("«(.*?)»")


def differences(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two JSON answers differ (paths and both values). A snippet is
    compared by the words it marks: the engines cut the context around
    them differently (FTS5 snippet(), ts_headline), which the design
    accepts (shared/design/SCALE-OUT.md §7.5: results, not text)."""
    if at.endswith(".snippet") and isinstance(a, str) and isinstance(b, str):
        return [] if MARKED.findall(a) == MARKED.findall(b) != [] else [f"{at}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in sorted(a.keys() | b.keys())
            for d in differences(a.get(k), b.get(k), f"{at}.{k}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{at}[{i}]")
        ]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"]


@pytest.fixture
def source(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A demo-seeded SQLite store, then written to by visitors, an agent and
    a supervisor through a real server (events, media, notes, profiles,
    offline messages, report figures kept); the server stopped."""
    db = tmp_path / "chatsup.db"
    store = Store.open(db, synchronous="normal")
    try:
        seed_demo(store, days=4, scale=0.05, seed=3)
    finally:
        store.close()
    w = World(tmp_path)
    facts: dict[str, Any] = {"db": db, "settings": w.settings, "sup": w.sup_token}
    try:
        v, s = w.visitor()
        with v:
            cid = v.post("/v1/widget/messages", json={"body": "Mon colis est-il parti ?"}).json()[
                "conversation_id"
            ]
            media = v.post("/v1/widget/media", files={"file": ("a.png", PNG, "image/png")})
            assert media.status_code == 201, media.text
            media_id = media.json()["media_id"]
            r = v.post("/v1/widget/messages", json={"body": "la photo", "media_id": media_id})
            assert r.status_code == 201, r.text
            r = v.post(
                "/v1/widget/offline-messages",
                json={"name": "Zoé", "email": "zoe@example.fr", "body": "rappelez-moi"},
            )
        with w.http(w.agent_token) as a:
            r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Il est parti"})
            assert r.status_code == 201, r.text
        with w.sup() as c:
            r = c.put(
                f"/v1/visitors/{s['visitor_id']}/profile",
                json={"name": "Zoé Lefèvre", "email": "zoe@example.fr", "phone": "06 11 22 33 44"},
            )
            assert r.status_code == 200, r.text
            r = c.post(f"/v1/conversations/{cid}/notes", json={"body": "cliente fidèle"})
            assert r.status_code == 201, r.text
            today = date.today()
            rng = {"since": (today - timedelta(days=5)).isoformat(), "until": today.isoformat()}
            assert c.get("/v1/reports/daily", params=rng).status_code == 200
            assert c.get("/v1/stats/agents", params=rng).status_code == 200
        facts.update(
            media_id=media_id,
            cid=cid,
            visitor_token=v.headers["Authorization"].split()[1],
            range=rng,
        )
        args = ["--db", str(db)]
        assert main(["token", "create", "--name", "temp", *args]) == 0
        assert main(["token", "revoke", "temp", *args]) == 0  # (a row in meta)
        # (nothing writes agent_sites yet: rows for the two-column keyset)
        for agent, site in ((w.agent_id, w.site_id), (w.agent_id, w.site2_id), (w.agent2_id, 1)):
            w.query("INSERT INTO agent_sites(agent_id, site_id) VALUES (?, ?)", (agent, site))
        deadline = time.monotonic() + 10  # report figures are kept without waiting
        while not w.query("SELECT count(*) FROM report_rollups")[0][0]:
            assert time.monotonic() < deadline, "no report figure kept"
            time.sleep(0.05)
    finally:
        w.close()
    yield facts


@pytest.fixture
def target(pg_cluster: pg.Cluster) -> Iterator[str]:
    """An empty PostgreSQL database (no schema: the move migrates it)."""
    name = f"move_{int(time.monotonic() * 1e6)}"
    pg_cluster.admin(f"CREATE DATABASE {name}")
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.drop_database(name)


def pg_rows(url: str, table: str, cols: list[str], key: list[str]) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(key)}".encode()
        ).fetchall()
    return [tuple(norm(v) for v in r) for r in rows]


def test_every_row_and_id_kept_and_the_console_cannot_tell(
    source: dict[str, Any], target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db: Path = source["db"]
    assert main(["move-store", "--db", str(db), "--to", target, "--batch", "2"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[-1].startswith("total ")
    assert "messages:" in out.err  # progress

    # every table, every row, every column (a table added later is covered)
    src = sqlite3.connect(db)
    try:
        tables = sqlite_tables(src)
        with psycopg.connect(target) as conn:
            pg_tables = {
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema()"
                )
            }
            head = conn.execute("SELECT last_id, commit_seq FROM stream_head").fetchone()
        assert sorted(pg_tables - set(PG_ONLY)) == tables, "tables differ"
        counted: dict[str, int] = {}
        for table in tables:
            cols, rows = sqlite_rows(src, table)
            key = columns_and_key(src, table)[1]
            got = pg_rows(target, table, cols, key)
            assert len(got) == len(rows), table
            for a, b in zip(rows, got, strict=True):
                assert a == b, (table, a, b)
            counted[table] = len(rows)
        for line in out.out.splitlines()[:-1]:
            name, n = line.split()
            assert counted[name] == int(n.replace(",", "")), name
        for must in (
            "events",
            "messages",
            "media",
            "report_rollups",
            "report_touches",
            "agent_sites",
            "tokens",
            "profiles",
            "offline_messages",
            "meta",
        ):
            assert counted[must] > 0, must
        last_event = src.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        last_event_id = last_event.fetchone()[0]
        max_message = src.execute("SELECT max(id) FROM messages").fetchone()[0]
        max_touch = src.execute("SELECT max(id) FROM report_touches").fetchone()[0]
        assert head == (last_event_id, max_touch)
    finally:
        src.close()

    # the console cannot tell the difference: the same answers, byte for byte
    settings_pg = make_settings(db.parent, store={"path": db, "url": target})
    rng, cid = source["range"], source["cid"]
    asks: list[tuple[str, dict[str, Any]]] = [
        ("/v1/conversations", {}),
        ("/v1/conversations", {"limit": 5}),
        ("/v1/conversations", {"q": "colis"}),
        (f"/v1/conversations/{cid}", {}),
        ("/v1/visitors", {}),
        ("/v1/visitors", {"q": "Lefèvre"}),
        ("/v1/visitors", {"q": "0611223344"}),
        ("/v1/contacts", {"q": "zoe"}),
        ("/v1/contacts", {}),
        ("/v1/offline-messages", {"q": "rappelez"}),
        ("/v1/calls", {}),
        ("/v1/reports/daily", rng),
        ("/v1/stats/agents", rng),
        ("/v1/stats/visitors", rng),
        ("/v1/events", {"after": 0, "limit": 500}),
        ("/v1/events", {"after": last_event_id - 3}),
        ("/v1/agents", {}),
        ("/v1/sites", {}),
    ]
    answers: dict[str, list[Any]] = {}
    for engine, settings in (("sqlite", source["settings"]), ("postgresql", settings_pg)):
        server = RunningServer(settings).start()
        try:
            import httpx

            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {source['sup']}"}
            ) as c:
                answers[engine] = []
                for path, params in asks:
                    r = c.get(path, params=params)
                    assert r.status_code == 200, (engine, path, r.text)
                    answers[engine].append(r.json())
                media = c.get(f"/v1/media/{source['media_id']}")
                assert media.status_code == 200 and media.content == PNG
            if engine == "postgresql":  # a new message: fresh ids after the old ones
                with httpx.Client(
                    base_url=server.url,
                    headers={"Authorization": f"Bearer {source['visitor_token']}"},
                ) as v:
                    r = v.post("/v1/widget/messages", json={"body": "encore moi"})
                    assert r.status_code == 201, r.text
                    sent = r.json()
        finally:
            server.stop()
    for (path, params), a, b in zip(asks, answers["sqlite"], answers["postgresql"], strict=True):
        assert not differences(a, b), (path, params, differences(a, b))
    assert sent["message_id"] == max_message + 1
    assert sent["event_id"] > last_event_id
    with psycopg.connect(target) as conn:
        stored = conn.execute(
            "SELECT type FROM events WHERE id = %s", (sent["event_id"],)
        ).fetchone()
        (head,) = conn.execute("SELECT last_id FROM stream_head").fetchone() or (0,)
    assert stored == ("message.created",) and head >= sent["event_id"]


def test_a_non_empty_target_is_refused_and_nothing_written(
    source: dict[str, Any], target: str
) -> None:
    db: Path = source["db"]
    move_store(db, target)
    with psycopg.connect(target) as conn:
        conn.execute("UPDATE stream_head SET last_id = last_id")  # (nothing)
        before = conn.execute(
            "SELECT (SELECT count(*) FROM messages), (SELECT last_id FROM stream_head),"
            " (SELECT count(*) FROM schema_version)"
        ).fetchone()
    with pytest.raises(MoveError, match=r"not empty \(rows in .*messages"):
        move_store(db, target)
    assert main(["move-store", "--db", str(db), "--to", target]) == 1
    with psycopg.connect(target) as conn:
        after = conn.execute(
            "SELECT (SELECT count(*) FROM messages), (SELECT last_id FROM stream_head),"
            " (SELECT count(*) FROM schema_version)"
        ).fetchone()
    assert after == before


def test_a_target_holding_other_tables_is_refused(source: dict[str, Any], target: str) -> None:
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id bigint PRIMARY KEY)")
    with pytest.raises(MoveError, match=r"no chatsup schema.*invoices"):
        move_store(source["db"], target)
    with psycopg.connect(target) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone() or (0,)
    assert n == 1  # nothing created


def test_a_source_a_server_has_open_is_refused(tmp_path: Path, target: str) -> None:
    w = World(tmp_path)
    try:
        with pytest.raises(MoveError, match=r"in use by another process.*stop the server"):
            move_store(w.settings.store.path, target)
    finally:
        w.close()
    with psycopg.connect(target) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone() or (0,)
    assert n == 0  # the target was not even migrated
    db = w.settings.store.path
    sql(db, "INSERT INTO agent_sites(agent_id, site_id) VALUES (1, 99)")  # points nowhere
    with pytest.raises(MoveError, match=r"agent_sites: a row points nowhere"):
        move_store(db, target)
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM agents").fetchone() == (0,)
    sql(db, "DELETE FROM agent_sites")
    report = move_store(db, target)  # stopped, and whole: it moves
    assert report.tables["agents"] == 2


def test_the_command_refuses_a_target_that_is_not_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["move-store", "--db", str(tmp_path / "x.db"), "--to", "mysql://db/x"]) == 2
    assert "--to must be a postgresql:// URL" in capsys.readouterr().err
    missing = tmp_path / "none.db"
    assert main(["move-store", "--db", str(missing), "--to", "postgresql://nobody@/x"]) == 1
    assert f"no SQLite database at {missing}" in capsys.readouterr().err
    assert not missing.exists()  # (not created by looking)
