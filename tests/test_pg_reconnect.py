"""PostgreSQL ends a server's sessions (a restart, a failover, an
administrator's pg_terminate_backend): the store opens new connections, so
the writer fails at most one request and the readers none (a read runs
again on a new connection). Before, the writer kept its dead connection: every write
failed until the process was restarted."""

from __future__ import annotations

from pathlib import Path

from tests.harness import World

READERS = 4 + 4  # db.py: the request readers' threads and the reports' (at most)
REPORT_READERS = 2  # db.py: the reports' own pool


def end_sessions(world: World) -> int:
    """End every other session on the world's database (as a restart does)."""
    rows = world.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return len(rows)


def test_the_server_writes_and_reads_again_after_its_sessions_end(
    tmp_path: Path, pg_url: str
) -> None:
    world = World(tmp_path, store_url=pg_url)
    try:
        v, _ = world.visitor()
        assert v.post("/v1/widget/messages", json={"body": "before"}).status_code == 201
        with world.sup() as c:
            assert c.get("/v1/conversations").status_code == 200
            assert c.get("/v1/reports/daily").status_code == 200  # a report thread's session
        assert end_sessions(world) >= 3  # the writer, a reader and a report reader at least

        writes = [v.post("/v1/widget/messages", json={"body": f"after {i}"}) for i in range(6)]
        codes = [r.status_code for r in writes]
        assert codes.count(201) >= 5 and codes[-5:] == [201] * 5, codes  # one lost at most
        with world.sup() as c:
            reads = [c.get("/v1/conversations").status_code for _ in range(READERS + 6)]
            reads += [c.get("/v1/reports/daily").status_code for _ in range(REPORT_READERS + 2)]
            assert reads == [200] * len(reads), reads  # a read runs again on a new session
            detail = c.get("/v1/conversations", params={"q": "after"}).json()["items"]
        assert len(detail) == 1  # the chat, found by its new words
        bodies = {
            m["body"]
            for m in world.http(world.sup_token)
            .get(f"/v1/conversations/{detail[0]['id']}")
            .json()["messages"]
        }
        assert {f"after {i}" for i, code in enumerate(codes) if code == 201} <= bodies
    finally:
        world.close()
