"""`Store.write(chain=)`: a write that must run again alone (it lost a race:
PostgreSQL, or `RetryAlone`) takes the later writes of its chain in the same
batch with it, so a sender's messages are stored in the order they were sent
(chat.py chains each sender's). Other chains go on in the batch."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from chatsup.server.store import Store
from chatsup.server.store.errors import RetryAlone
from chatsup.server.store.tx import Tx


async def test_a_chain_keeps_its_order_when_a_write_runs_again(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "chain.db")
    order: list[str] = []
    gate = threading.Event()
    tries = [0]

    def hold(_tx: Tx) -> None:
        gate.wait(10)  # the writer is busy: the next three queue up as one batch

    def first(_tx: Tx) -> None:
        tries[0] += 1
        if tries[0] == 1:
            raise RetryAlone("lost a race")
        order.append("first")

    def second(_tx: Tx) -> None:
        order.append("second")

    def other(_tx: Tx) -> None:
        order.append("other")

    try:
        held = store.submit(hold)
        writes = [
            asyncio.ensure_future(store.write(first, chain="x")),
            asyncio.ensure_future(store.write(second, chain="x")),
            asyncio.ensure_future(store.write(other, chain="y")),
        ]
        await asyncio.sleep(0.05)  # (each queues its write before it first suspends)
        gate.set()
        await asyncio.gather(*writes)
        held.result(5)
    finally:
        store.close()
    assert order == ["other", "first", "second"]
    assert tries[0] == 2
