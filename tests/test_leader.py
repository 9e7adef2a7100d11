"""The leader lock (server/leader.py) as one process's loops ask for it: all
at once at start, and cancelled at shutdown."""

from __future__ import annotations

import asyncio

import pytest

from chatsup.server.leader import Leader


async def test_the_loops_of_one_process_all_lead(pg_url: str) -> None:
    """The prune, presence, idle and media loops ask at once at start: none is
    refused because another loop of the same process is taking the lock."""
    leader = Leader(pg_url)
    try:
        assert await asyncio.gather(*(leader.held() for _ in range(4))) == [True] * 4
    finally:
        await leader.close()


async def test_a_question_cancelled_at_shutdown_leaves_no_connection_open(pg_url: str) -> None:
    """Cancelled between connecting and taking the lock (the server stopping
    as it starts): the connection is closed, not left to the collector."""
    import psycopg

    opened: list[psycopg.AsyncConnection[object]] = []
    real = psycopg.AsyncConnection.connect

    async def connect(*args: object, **kwargs: object) -> psycopg.AsyncConnection[object]:
        conn = await real(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(conn)
        return conn

    leader = Leader(pg_url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(psycopg.AsyncConnection, "connect", connect)
        asking = asyncio.create_task(leader.held())
        while not opened:
            await asyncio.sleep(0)
        asking.cancel()  # at the lock query
        with pytest.raises(asyncio.CancelledError):
            await asking
    await leader.close()
    assert opened[0].closed
