"""Idle conversations end: a conversation nobody wrote in for
`[server] idle_end_s` ends with end_reason "idle" (store/conversations.py),
and `conversation.ended` reaches the consoles and the visitor's widget."""

from __future__ import annotations

import asyncio
import logging

from chatsup.server.leader import Leader
from chatsup.server.store import Store, conversations

log = logging.getLogger(__name__)

CHECK_MAX_S = 60.0


async def idle_end_loop(store: Store, idle_s: float, leader: Leader | None = None) -> None:
    """End the idle conversations at start, then every idle_s / 4 (at most a
    minute apart: a conversation ends within that of becoming idle). With
    several processes (PostgreSQL), only the leader does."""
    every = min(CHECK_MAX_S, max(idle_s / 4, 0.05))
    while True:
        try:
            while (leader is None or await leader.held()) and (
                await store.write(conversations.end_idle_conversations, idle_s)
                == conversations.IDLE_BATCH
            ):
                pass
        except Exception:
            log.exception("ending idle conversations failed (the next check retries)")
        await asyncio.sleep(every)
