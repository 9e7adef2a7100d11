"""One process among several on a PostgreSQL database runs the jobs that
must run once (the event-log prune; shared/design/SCALE-OUT.md "Leader
jobs"): the one holding a session advisory lock. The lock lives as long as
the connection that took it, so a process that dies hands it over; the
others try again each time they would run the job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)

LEADER_LOCK = 0x6C656164  # pg_try_advisory_lock key ("lead")


class Leader:
    def __init__(self, url: str, key: int = LEADER_LOCK) -> None:
        self.url = url
        self.key = key
        self._conn: Any = None
        # the process's loops ask at once (at start): one connection, not one
        # each racing the others for the lock this process would then hold
        self._asking = asyncio.Lock()

    async def held(self) -> bool:
        """Whether this process leads now (taking the lock if it is free)."""
        async with self._asking:
            return await self._held()

    async def _held(self) -> bool:
        import psycopg

        if self._conn is not None:
            try:
                await self._conn.execute("SELECT 1")
                return True
            except psycopg.Error:  # the connection, and with it the lock, is gone
                await self.close()
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.Error:
            log.warning("leader: cannot reach the database", exc_info=True)
            return False
        try:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cur.fetchone()
        except BaseException:  # cancelled at shutdown, or the database went away
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        if row is not None and row[0]:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
