"""Messages: the transcript of a conversation and the sends (a visitor's
first message opens a conversation; an agent's first answer assigns it; a
supervisor writes to the visitor or leaves a note only the advisors see).
Sends are idempotent by client key. First response and per-turn response
times are computed here, once, by the metric definitions of ARCHITECTURE.md."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chatsup.domain import rules
from chatsup.server.store import media as media_store
from chatsup.server.store.agents import agent_name
from chatsup.server.store.conversations import conversation_item, item, last_message_preview
from chatsup.server.store.errors import BadInput, Forbidden, NotFound, RetryAlone
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso, ref


def message_dict(row: Any, tz: Any) -> dict[str, Any]:
    media = None
    if row["media_url"] is not None:
        media = {
            "name": row["media_name"],
            "type": row["media_type"],
            "size": row["media_size"],
            "url": row["media_url"],
        }
        if row["media_id"] is not None:  # an upload (store/media.py)
            media["id"] = row["media_id"]
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "at": iso(row["at"], tz),
        "sender": row["sender"],
        "agent": ref(row["agent_id"], row["agent_name"]),
        "body": row["body"],
        "media": media,
        "response_s": row["response_s"],
        "internal": bool(row["internal"]),
    }


MESSAGE_SELECT = """
SELECT m.id, m.conversation_id, m.at, m.sender, m.agent_id, a.name AS agent_name, m.body,
       m.media_name, m.media_type, m.media_size, m.media_url, m.media_id, m.response_s,
       m.internal
FROM messages m LEFT JOIN agents a ON a.id = m.agent_id
"""


def conversation_detail(rx: Rx, conversation_id: int) -> dict[str, Any]:
    conv = conversation_item(rx, conversation_id)
    rows = rx.execute(
        MESSAGE_SELECT + " WHERE m.conversation_id = ? ORDER BY m.id", (conversation_id,)
    ).fetchall()
    return {"conversation": conv, "messages": [message_dict(r, rx.tz) for r in rows]}


# -- messages -----------------------------------------------------------------


@dataclass(frozen=True)
class NewMessage:
    body: str
    media: dict[str, Any] | None = None
    client_key: str | None = None
    at: float | None = None
    media_id: int | None = None  # a visitor's upload (store/media.py): sets `media`


def _existing(tx: Tx, client_key: str | None) -> dict[str, Any] | None:
    """The message a retried send already stored (idempotent sends)."""
    if client_key is None:
        return None
    row = tx.execute(
        "SELECT id, conversation_id, event_id FROM messages WHERE client_key = ?", (client_key,)
    ).fetchone()
    if row is None:
        return None
    if row[2] is None and tx.log_events and tx.engine.numbers_events_at_commit:
        # the original is in this very batch: its event gets its id as the
        # batch commits; answer once it has one
        raise RetryAlone("the original send is not committed yet")
    first = tx.execute(
        "SELECT min(id) FROM messages WHERE conversation_id = ?", (row[1],)
    ).fetchone()[0]
    return {
        "conversation_id": row[1],
        "message_id": row[0],
        "event_id": row[2],
        "started": first == row[0],
        "duplicate": True,
    }


def _insert_message(
    tx: Tx,
    conversation_id: int,
    sender: str,
    agent_id: int | None,
    m: NewMessage,
    at: float,
    response_s: float | None,
    internal: bool = False,
    event_id: int | None = None,
) -> int:
    """`event_id`: its event's id where known beforehand (`event_id_ahead`)."""
    media = m.media or {}
    new_id = tx.insert(
        "INSERT INTO messages(conversation_id, sender, agent_id, body, at, media_name, media_type,"
        " media_size, media_url, response_s, client_key, media_id, internal, event_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            sender,
            agent_id,
            m.body,
            at,
            media.get("name"),
            media.get("type"),
            media.get("size"),
            media.get("url"),
            response_s,
            m.client_key,
            media.get("id"),
            int(internal),
            event_id if m.client_key is not None else None,
        ),
    )
    return new_id


def event_id_ahead(tx: Tx, m: NewMessage, events_before: int = 0) -> int | None:
    """The id the message's event will get, where the engine knows it before
    the event is emitted (SQLite; `events_before`: the events this write
    emits first): stored with the message (a retried send answers it), no
    UPDATE after the emit. None: the event's id is set once known."""
    if m.client_key is None:
        return None
    ahead = tx.next_event_id()
    return None if ahead is None else ahead + events_before


def _message_event(
    tx: Tx,
    conversation_id: int,
    message_id: int,
    sender: str,
    agent_id: int | None,
    m: NewMessage,
    at: float,
    out: dict[str, Any],
    internal: bool = False,
    conv: dict[str, Any] | None = None,
    stored: int | None = None,
) -> None:
    """The message's event; its id goes into `out` (the send's answer) and,
    for a send with a client key, onto the message (a retry answers it)
    unless the message was inserted with it (`stored`, `event_id_ahead`).
    `conv`: the conversation's list item when the caller built it."""

    def numbered(eid: int) -> None:
        out["event_id"] = eid
        if m.client_key is not None and eid != stored:
            tx.execute("UPDATE messages SET event_id = ? WHERE id = ?", (eid, message_id))

    if conv is None:
        conv = conversation_item(tx.rx(), conversation_id)  # its visitor and site too
    data: dict[str, Any] = {
        "conversation_id": conversation_id,
        "message_id": message_id,
        "sender": sender,
        "agent": ref(agent_id, agent_name(tx, agent_id)),
        "body": m.body,
        "media": m.media,
        "at": iso(at, tx.tz),
        "visitor": conv["visitor"],
        "site": conv["site"],
        "conversation": conv,
    }
    if internal:
        data["internal"] = True
    tx.emit("message.created", data, at, on_id=numbered, visitor_id=conv["visitor"]["id"])


# What a visitor's message needs besides the visitor (v) and site (st): the
# open conversation of the visit (c), and the names its list item shows.
_OPEN_CONVERSATION = """
JOIN visitors v ON v.id = {visitor}
JOIN sites st ON st.id = {site}
LEFT JOIN profiles p ON p.visitor_id = v.id
LEFT JOIN conversations c ON c.id = (
    SELECT id FROM conversations WHERE visitor_id = v.id AND site_id = st.id
    AND ended_at IS NULL AND {same_session} ORDER BY id DESC LIMIT 1)
LEFT JOIN agents a ON a.id = c.agent_id
LEFT JOIN sessions cs ON cs.id = coalesce(c.session_id, {session})
LEFT JOIN agents pa ON pa.id = cs.presented_agent_id
"""
_OPEN_COLUMNS = (
    "v.number, p.name AS visitor_name, st.name AS site_name, c.id, c.started_at,"
    " c.first_visitor_at, c.agent_id, a.name AS agent_name, c.message_count,"
    " c.first_response_s, c.visitor_messages, c.agent_messages,"
    " pa.id AS presented_id, pa.name AS presented_name"
)
# The visitor's latest visit (session), a retried send's message, the open
# conversation and its names: one statement where there were four.
_LATEST_VISIT = (
    "SELECT s.id AS session_id, s.site_id,"
    " (SELECT id FROM messages WHERE client_key = ?) AS retried, "
    + _OPEN_COLUMNS
    + " FROM sessions s"
    + _OPEN_CONVERSATION.format(
        visitor="s.visitor_id", site="s.site_id", same_session="session_id = s.id", session="s.id"
    )
    + " WHERE s.id = (SELECT max(id) FROM sessions WHERE visitor_id = ?)"
)


def visitor_message(
    tx: Tx, visitor_id: int, session_id: int | None, site_id: int, m: NewMessage
) -> dict[str, Any]:
    """A visitor's message in a given visit (None: none); the first one opens a conversation."""
    again = _existing(tx, m.client_key)
    if again:
        return again
    tx.dialect.lock(tx, "visitors", visitor_id)  # one open conversation per visitor
    row = tx.one(
        f"SELECT {_OPEN_COLUMNS} FROM (SELECT 1) one"
        + _OPEN_CONVERSATION.format(
            visitor="?", site="?", same_session=tx.dialect.is_("session_id"), session="?"
        ),
        (visitor_id, site_id, session_id, session_id),
    )
    if row is None:
        raise NotFound("visitor")
    return _visitor_send(tx, visitor_id, session_id, site_id, m, row)


def visitor_message_in_latest_visit(tx: Tx, visitor_id: int, m: NewMessage) -> dict[str, Any]:
    """The visitor's latest session and the message, in one hop to the writer
    (not a read then a write: each hop to a thread costs the event loop) and
    one statement before the insert (`_LATEST_VISIT`)."""
    tx.dialect.lock(tx, "visitors", visitor_id)  # one open conversation per visitor
    row = tx.one(_LATEST_VISIT, (m.client_key, visitor_id))
    if row is None:
        raise NotFound("session")
    if row["retried"] is not None:
        again = _existing(tx, m.client_key)
        assert again is not None  # (the row is there: this transaction holds the lock)
        return again
    return _visitor_send(tx, visitor_id, row["session_id"], row["site_id"], m, row)


def _visitor_send(
    tx: Tx, visitor_id: int, session_id: int | None, site_id: int, m: NewMessage, row: Any
) -> dict[str, Any]:
    """Store the message: `row` holds the open conversation (its `id` None:
    none, this message opens one) and the names its list item shows."""
    if m.media_id is not None:
        m = replace(m, media=media_store.attachment(tx, visitor_id, m.media_id))
    at = tx.now if m.at is None else m.at
    started = row["id"] is None
    if started:
        conversation_id = tx.insert(
            "INSERT INTO conversations(visitor_id, site_id, session_id, started_at,"
            " first_visitor_at, pending_since) VALUES (?, ?, ?, ?, ?, ?)",
            (visitor_id, site_id, session_id, at, at, at),
        )
    else:
        conversation_id = row["id"]
    ahead = event_id_ahead(tx, m, 1 if started else 0)  # (conversation.started first)
    mid = _insert_message(tx, conversation_id, "visitor", None, m, at, None, event_id=ahead)
    tx.touch("conversations", at if started else row["first_visitor_at"])
    tx.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        " visitor_messages = visitor_messages + 1, last_message_id = ?,"
        " first_visitor_at = coalesce(first_visitor_at, ?),"
        " pending_since = coalesce(pending_since, ?) WHERE id = ?",
        (mid, at, at, conversation_id),
    )
    tx.execute(
        "UPDATE visitors SET last_seen_at = "
        + tx.dialect.greatest("last_seen_at", "?")
        + " WHERE id = ?",
        (at, visitor_id),
    )
    # the conversation's list item as ITEM_SELECT reads it after this write
    # (tests/test_api_chat.py compares them), from the values in hand
    holder_id = None if started else row["agent_id"]
    advisor_id = rules.conversation_advisor(holder_id, row["presented_id"])
    conv = item(
        {
            "id": conversation_id,
            "started_at": at if started else row["started_at"],
            "ended_at": None,
            "site_id": site_id,
            "site_name": row["site_name"],
            "agent_id": None if started else row["agent_id"],
            "agent_name": None if started else row["agent_name"],
            "visitor_id": visitor_id,
            "number": row["number"],
            "visitor_name": row["visitor_name"],
            "message_count": 1 if started else row["message_count"] + 1,
            "first_response_s": None if started else row["first_response_s"],
            "visitor_messages": 1 if started else row["visitor_messages"] + 1,
            "agent_messages": 0 if started else row["agent_messages"],
            "lm_at": at,
            "lm_sender": "visitor",
            "lm_body": last_message_preview(m.body),
            "advisor_id": advisor_id,
            "advisor_name": row["agent_name"] if advisor_id == holder_id else row["presented_name"],
        },
        tx.tz,
    )
    if started:
        tx.emit("conversation.started", conv, at)
    out: dict[str, Any] = {
        "conversation_id": conversation_id,
        "message_id": mid,
        "event_id": None,
        "started": started,
    }
    _message_event(tx, conversation_id, mid, "visitor", None, m, at, out, conv=conv, stored=ahead)
    return out


def agent_message(tx: Tx, agent_id: int, conversation_id: int, m: NewMessage) -> dict[str, Any]:
    """An agent's message; the first one assigns an unassigned conversation.
    An advisor writes only into a chat it holds or nobody holds
    (`rules.may_handle`), checked in the transaction that writes.

    First response time and per-turn response times are computed here, once,
    by the metric definitions of ARCHITECTURE.md.
    """
    return _answer(tx, conversation_id, m, "agent", agent_id)


def supervisor_message(tx: Tx, conversation_id: int, m: NewMessage) -> dict[str, Any]:
    """A supervisor's message to the visitor: an answer (`rules.is_answer`),
    timed like an advisor's; it does not change who holds the chat."""
    return _answer(tx, conversation_id, m, "supervisor", None)


def _answer(
    tx: Tx, conversation_id: int, m: NewMessage, sender: str, agent_id: int | None
) -> dict[str, Any]:
    assert rules.is_answer(sender)
    again = _existing(tx, m.client_key)
    if again:
        return again
    at = tx.now if m.at is None else m.at
    tx.dialect.lock(tx, "conversations", conversation_id)  # first response, one answer
    row = tx.execute(
        "SELECT agent_id, first_visitor_at, first_response_s, pending_since, ended_at,"
        " started_at FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if row is None:
        raise NotFound("conversation")
    if agent_id is not None and not rules.may_handle(agent_id, row["agent_id"]):
        raise Forbidden("another advisor holds this conversation")
    if row["ended_at"] is not None:
        raise BadInput("conversation_id", "the conversation has ended")
    response_s = None if row["pending_since"] is None else max(0.0, at - row["pending_since"])
    first = row["first_response_s"]
    if first is None and row["first_visitor_at"] is not None:
        first = max(0.0, at - row["first_visitor_at"])
    assigns = agent_id is not None and row["agent_id"] is None  # conversation.assigned first
    ahead = event_id_ahead(tx, m, 1 if assigns else 0)
    mid = _insert_message(tx, conversation_id, sender, agent_id, m, at, response_s, event_id=ahead)
    tx.touch("messages", row["pending_since"])
    tx.touch("conversations", min(row["started_at"], row["first_visitor_at"] or row["started_at"]))
    # `agent_messages` counts the answers (rules.is_answer), whoever sent them
    tx.execute(
        "UPDATE conversations SET message_count = message_count + 1,"
        " agent_messages = agent_messages + 1, last_message_id = ?, first_response_s = ?,"
        " pending_since = NULL, agent_id = coalesce(agent_id, ?) WHERE id = ?",
        (mid, first, agent_id, conversation_id),
    )
    if assigns:
        tx.emit(
            "conversation.assigned",
            {
                "conversation_id": conversation_id,
                "agent": ref(agent_id, agent_name(tx, agent_id)),
                "conversation": conversation_item(tx.rx(), conversation_id),
            },
            at,
        )
    out: dict[str, Any] = {"conversation_id": conversation_id, "message_id": mid, "event_id": None}
    _message_event(tx, conversation_id, mid, sender, agent_id, m, at, out, stored=ahead)
    return out


def supervisor_note(tx: Tx, conversation_id: int, m: NewMessage) -> dict[str, Any]:
    """A supervisor's note (a whisper): stored in the conversation, `internal`,
    for supervisors and the advisor holding it. It answers nobody, counts in
    no figure and is not the chat's last message (the visitor sees the list
    item of its chat in events: a note must not show there)."""
    again = _existing(tx, m.client_key)
    if again:
        return again
    at = tx.now if m.at is None else m.at
    if (
        tx.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        is None
    ):
        raise NotFound("conversation")
    ahead = event_id_ahead(tx, m)
    mid = _insert_message(
        tx, conversation_id, "supervisor", None, m, at, None, internal=True, event_id=ahead
    )
    out: dict[str, Any] = {"conversation_id": conversation_id, "message_id": mid, "event_id": None}
    _message_event(
        tx, conversation_id, mid, "supervisor", None, m, at, out, internal=True, stored=ahead
    )
    return out


def system_message(tx: Tx, conversation_id: int, body: str, at: float) -> int:
    """A system line in a chat (the product writes none yet; the demo data
    does, to show that one neither answers a visitor nor breaks a wait)."""
    mid = tx.insert(
        "INSERT INTO messages(conversation_id, sender, body, at) VALUES (?, 'system', ?, ?)",
        (conversation_id, body, at),
    )
    tx.execute(
        "UPDATE conversations SET message_count = message_count + 1, last_message_id = ?"
        " WHERE id = ?",
        (mid, conversation_id),
    )
    return mid
