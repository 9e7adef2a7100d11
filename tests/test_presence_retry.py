"""An advisor's last socket closing while its offline write fails (the store
busy past its wait, a lock held too long) does not leave the advisor online:
the write is tried again (server/live_sockets.py `_agent_gone`). On SQLite
another connection holds the database's write lock past the busy timeout
(10 s); on PostgreSQL another session holds the advisor's row past
`lock_timeout` (5 s). Both engines (conftest's BOTH_ENGINES)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.asyncio.client import connect

from tests.harness import World

SQLITE_BUSY_S = 10.0  # engine_sqlite.py's busy_timeout
PG_LOCK_S = 5.0  # engine_pg.py's lock_timeout


def presence(world: World) -> str:
    with world.sup() as c:
        items = c.get("/v1/agents").json()["items"]
    return next(str(a["presence"]) for a in items if a["id"] == world.agent_id)


async def presence_within(world: World, seconds: float, want: str) -> None:
    got = ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = await asyncio.to_thread(presence, world)
        if got == want:
            return
        await asyncio.sleep(0.1)
    assert got == want, (world.engine, got)


@contextmanager
def store_held(world: World) -> Iterator[float]:
    """Another connection holds what the offline write needs; answers how
    long the write waits before it fails."""
    st = world.settings.store
    if st.url is None:
        conn: Any = sqlite3.connect(st.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        wait = SQLITE_BUSY_S
    else:
        import psycopg

        conn = psycopg.connect(st.url)
        conn.execute("SELECT id FROM agents WHERE id = %s FOR UPDATE", (world.agent_id,))
        wait = PG_LOCK_S
    try:
        yield wait
    finally:
        conn.rollback()
        conn.close()


async def test_a_failed_offline_write_is_tried_again(world: World) -> None:
    url = f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}"
    async with connect(url) as alice:
        await alice.ping()
        await presence_within(world, 5, "online")
        with store_held(world) as wait:
            await alice.close()
            # the offline write waits, then fails, while the store is held
            await asyncio.sleep(wait + 1.5)
            assert await asyncio.to_thread(presence, world) == "online"
    # held no more: the next try sets it (the first waits are 0.5, 1 and 2 s)
    await presence_within(world, 8, "offline")
    async with connect(url) as alice:  # and the advisor comes back as before
        await alice.ping()
        await presence_within(world, 5, "online")
    await presence_within(world, 5, "offline")
