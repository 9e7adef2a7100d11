"""Janitor jobs that run on a clock (with several processes on PostgreSQL,
in the leader only, leader.py):

- idle conversations end: a conversation nobody wrote in for
  `[server] idle_end_s` ends with end_reason "idle" (store/conversations.py),
  and `conversation.ended` reaches the consoles and the visitor's widget;
- unsent media go: an upload no message carries, older than
  `[server] unsent_media_keep_s`, is deleted (store/media.py)."""

from __future__ import annotations

import asyncio
import logging

from chatsup.server.leader import Leader
from chatsup.server.store import Store, conversations
from chatsup.server.store import media as media_store

log = logging.getLogger(__name__)

CHECK_MAX_S = 60.0
UNSENT_CHECK_MAX_S = 3600.0


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


async def unsent_media_loop(store: Store, keep_s: float, leader: Leader | None = None) -> None:
    """Delete the uploads no message carries once older than keep_s: at
    start, then every keep_s / 4 (at most an hour apart)."""
    every = min(UNSENT_CHECK_MAX_S, max(keep_s / 4, 0.05))
    while True:
        try:
            while (leader is None or await leader.held()) and (
                await store.write(media_store.delete_unsent, keep_s) == media_store.UNSENT_BATCH
            ):
                pass
        except Exception:
            log.exception("deleting unsent media failed (the next check retries)")
        await asyncio.sleep(every)
