"""The one send path for chat messages: HTTP routes and WebSockets alike
(a visitor's, an advisor's, a supervisor's message or note).

A message is checked once here (the same fault gets the same error whoever
sends it, over either transport), then written by the store in one hop to
the writer. A sender's messages are chained (`Store.write(chain=)`): stored
in the order they were sent even when one of them must run again. The
answer is the message's ids: `{conversation_id, message_id, event_id}`,
plus `started` for a visitor's message that opened a chat.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chatsup.domain.inputs import MessageIn, NoteIn
from chatsup.server.auth import Principal
from chatsup.server.errors import ApiError
from chatsup.server.params import check_model
from chatsup.server.store import BadInput, Store
from chatsup.server.store import messages as store_messages

IDS = ("conversation_id", "message_id", "event_id")


def _new_message(body: MessageIn, max_chars: int, key_prefix: str) -> store_messages.NewMessage:
    check_model(body)
    if len(body.body) > max_chars:
        raise ApiError(413, "too_large", f"body: longer than {max_chars} characters", "body")
    if not body.body.strip() and body.media is None and body.media_id is None:
        raise BadInput("body", "empty message")
    key = f"{key_prefix}:{body.client_id}" if body.client_id else None
    media = body.media.model_dump() if body.media else None
    return store_messages.NewMessage(body.body, media, key, media_id=body.media_id)


def _no_upload(body: MessageIn) -> None:
    """Only a visitor attaches an upload (`media_id`)."""
    if body.media_id is not None:
        raise BadInput("media_id", "only a visitor attaches an upload")


def visitor_message_soon(
    store: Store, max_chars: int, p: Principal, body: MessageIn
) -> asyncio.Future[dict[str, Any]]:
    """The visitor's message in its latest visit (the first opens a chat):
    checked now (raises), its write queued now; the future of the store's
    answer (IDS, `started`)."""
    assert p.subject_id is not None  # a visitor token always names its visitor
    m = _new_message(body, max_chars, f"v{p.subject_id}")
    return store.write_soon(
        store_messages.visitor_message_in_latest_visit, p.subject_id, m, chain=("v", p.subject_id)
    )


async def send_visitor_message(
    store: Store, max_chars: int, p: Principal, body: MessageIn
) -> dict[str, Any]:
    """The visitor's message in its latest visit; the first opens a chat."""
    out = await visitor_message_soon(store, max_chars, p, body)
    return {**{k: out[k] for k in IDS}, "started": bool(out.get("started"))}


def agent_message_soon(
    store: Store, max_chars: int, p: Principal, conversation_id: int, body: MessageIn
) -> asyncio.Future[dict[str, Any]]:
    """`send_agent_message` checked now (raises), its write queued now: the
    future of the store's answer (IDS)."""
    assert p.subject_id is not None  # an agent token always names its agent
    _no_upload(body)
    m = _new_message(body, max_chars, f"a{p.subject_id}")
    return store.write_soon(
        store_messages.agent_message, p.subject_id, conversation_id, m, chain=("a", p.subject_id)
    )


async def send_agent_message(
    store: Store, max_chars: int, p: Principal, conversation_id: int, body: MessageIn
) -> dict[str, Any]:
    """An advisor's message; the first one assigns an unassigned chat. Only
    into a chat it holds or nobody holds (`rules.may_handle`; the store checks
    it in the writing transaction): else `Forbidden`, a 403."""
    out = await agent_message_soon(store, max_chars, p, conversation_id, body)
    return {k: out[k] for k in IDS}


async def send_supervisor_message(
    store: Store, max_chars: int, conversation_id: int, body: MessageIn
) -> dict[str, Any]:
    """A supervisor's message to the visitor (an answer). Retries with the
    same client id store one (the key is the conversation's)."""
    _no_upload(body)
    m = _new_message(body, max_chars, f"s{conversation_id}")
    out: dict[str, Any] = await store.write(store_messages.supervisor_message, conversation_id, m)
    return {k: out[k] for k in IDS}


async def send_note(
    store: Store, max_chars: int, conversation_id: int, body: NoteIn
) -> dict[str, Any]:
    """A supervisor's note: `internal`, never to the visitor."""
    m = _new_message(
        MessageIn(body=body.body, client_id=body.client_id), max_chars, f"n{conversation_id}"
    )
    out: dict[str, Any] = await store.write(store_messages.supervisor_note, conversation_id, m)
    return {k: out[k] for k in IDS}
