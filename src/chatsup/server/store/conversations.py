"""Conversation lists (with full-text search), details and transcripts."""

from __future__ import annotations

from typing import Any

from chatsup.domain import rules
from chatsup.domain.labels import chat_id, visitor_label
from chatsup.server.store.errors import BadInput, Forbidden, NotFound
from chatsup.server.store.paging import (
    MAX_LIMIT,
    ListFilter,
    and_,
    check_status,
    decode_cursor,
    encode_cursor,
    keyset,
    page,
)
from chatsup.server.store.rules_sql import advisor_sql, status_condition
from chatsup.server.store.search import SNIPPET_CLOSE, SNIPPET_OPEN, people_condition
from chatsup.server.store.tx import Rx, Tx
from chatsup.server.store.wire import iso, ref

# A list item's last message shows this many characters of its body: the
# SQL below and `last_message_preview` (an item built from values in hand) agree
PREVIEW_CHARS = 200

# `agent` is who holds the chat; `advisor` the conversation's advisor
# (rules.conversation_advisor: the holder, else the advisor presented), the
# one the `agent_id` filter and every figure about conversations count by
ITEM_SELECT = f"""
SELECT c.id, c.started_at, c.ended_at, c.site_id, s.name AS site_name,
       c.agent_id, a.name AS agent_name, c.visitor_id, v.number, p.name AS visitor_name,
       c.message_count, c.first_response_s, c.visitor_messages, c.agent_messages,
       m.at AS lm_at, m.sender AS lm_sender, substr(m.body, 1, {PREVIEW_CHARS}) AS lm_body,
       adv.id AS advisor_id, adv.name AS advisor_name
FROM conversations c
JOIN sites s ON s.id = c.site_id
JOIN visitors v ON v.id = c.visitor_id
LEFT JOIN agents a ON a.id = c.agent_id
LEFT JOIN agents adv ON adv.id = {advisor_sql("c")}
LEFT JOIN profiles p ON p.visitor_id = c.visitor_id
LEFT JOIN messages m ON m.id = c.last_message_id
"""

STATUSES = rules.CONVERSATION_STATUSES
# How many search hits one page may scan before it answers with what it has
# (and a cursor to go on): keeps a page's latency bounded for rare filters.
SCAN_BUDGET = 20_000


def last_message_preview(body: str) -> str:
    """`lm_body` of ITEM_SELECT, from the body in hand (both count characters)."""
    return body[:PREVIEW_CHARS]


def item(row: Any, tz: Any, snippet: str | None = None) -> dict[str, Any]:
    last = None
    if row["lm_at"] is not None:
        last = {"at": iso(row["lm_at"], tz), "sender": row["lm_sender"], "preview": row["lm_body"]}
    out = {
        "id": row["id"],
        "started_at": iso(row["started_at"], tz),
        "ended_at": iso(row["ended_at"], tz),
        "site": ref(row["site_id"], row["site_name"]),
        "agent": ref(row["agent_id"], row["agent_name"]),
        "advisor": ref(row["advisor_id"], row["advisor_name"]),
        "visitor": {"id": row["visitor_id"], "number": row["number"], "name": row["visitor_name"]},
        "message_count": row["message_count"],
        "first_response_s": row["first_response_s"],
        "status": rules.conversation_status(
            row["ended_at"], row["visitor_messages"], row["agent_messages"]
        ),
        "unanswered": rules.is_unanswered(row["visitor_messages"], row["agent_messages"]),
        "last_message": last,
        "snippet": snippet,  # the wire model's every field: null but in a search
    }
    return out


def _conditions(f: ListFilter) -> tuple[list[str], list[Any]]:
    conds, params = f.where(
        time_col="c.started_at",
        # the conversation's advisor (rules.conversation_advisor), as every
        # figure counts it: a drill-down lists exactly the rows counted
        agent_col=advisor_sql("c"),
        site_col="c.site_id",
        visitor_col="c.visitor_id",
    )
    check_status(f, STATUSES)
    if f.statuses:
        # any of the statuses: a conversation has exactly one
        conds.append("(" + " OR ".join(status_condition(s, "c") for s in f.statuses) + ")")
    return conds, params


def _newest_first(
    rx: Rx, f: ListFilter, conds: list[str], params: list[Any]
) -> tuple[list[Any], str | None]:
    """One page of list items under `conds`, newest first (keyset by start, id)."""
    kc, kp = keyset(f, "c.started_at", "c.id")
    limit = min(f.limit, MAX_LIMIT)
    rows = rx.execute(
        ITEM_SELECT + and_(conds + kc) + " ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
        [*params, *kp, limit + 1],
    ).fetchall()
    return page(rows, limit, lambda r: (r["started_at"], r["id"]))


def list_conversations(rx: Rx, f: ListFilter) -> dict[str, Any]:
    chat = chat_id(f.q)
    if chat is not None:  # `#123`: that chat (if the other filters hold it)
        conds, params = _conditions(f)
        rows, nxt = _newest_first(rx, f, [*conds, "c.id = ?"], [*params, chat])
        return {"items": [item(r, rx.tz) for r in rows], "next_cursor": nxt}
    if rx.dialect.fts_query(f.q):
        people = _people(rx, f.q)
        return _people_search(rx, f, people) if people else _search(rx, f)
    conds, params = _conditions(f)
    rows, nxt = _newest_first(rx, f, conds, params)
    return {"items": [item(r, rx.tz) for r in rows], "next_cursor": nxt}


def _search(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Conversations with a matching message, newest matching message first.

    A conversation belongs to the page of its newest matching message, so it
    shows once across pages. The MATCH runs first on its own, newest rowid
    first, in chunks; joins and filters apply to those few rows only.
    """
    match = rx.dialect.fts_query(f.q)
    assert match is not None  # _search runs only with a search text
    key = decode_cursor(f.cursor, (int,))
    below = key[0] if key else None
    limit = min(f.limit, MAX_LIMIT)
    conds, params = _conditions(f)
    found: list[tuple[int, int]] = []  # (message id, conversation id)
    seen: set[int] = set()
    scanned = 0
    chunk = max(limit * 4, 200)
    exhausted = False
    while len(found) < limit and scanned < SCAN_BUDGET:
        ids = [
            h[0]
            for h in rx.execute(
                rx.dialect.fts_scan("messages_fts", below=below is not None),
                [match, *([] if below is None else [below]), chunk],
            ).fetchall()
        ]
        scanned += len(ids)
        marks = ",".join("?" * len(ids))
        # the driving join (CROSS JOIN) keeps the few matched messages as the outer loop: left to
        # itself the planner walks every conversation of the filters instead
        # (420 ms a chunk for an advisor's month at 1M messages, not 1 ms)
        rows = (
            rx.execute(
                f"SELECT m.id, m.conversation_id FROM messages m"
                f" {rx.dialect.driving_join()} conversations c"
                f" ON c.id = m.conversation_id WHERE m.id IN ({marks})"
                + "".join(" AND " + c for c in conds)
                + " ORDER BY m.id DESC",
                [*ids, *params],
            ).fetchall()
            if ids
            else []
        )
        for mid, cid in rows:
            if cid in seen:
                continue
            seen.add(cid)
            if key is not None and _matched_above(rx, match, cid, key[0]):
                continue
            found.append((mid, cid))
            if len(found) == limit:
                break
        if len(found) == limit:
            break
        if len(ids) < chunk:
            exhausted = True
            break
        below = ids[-1]
    if exhausted:
        nxt = None
    elif len(found) == limit:
        nxt = encode_cursor(found[-1][0])
    else:  # scan budget spent: go on below the last hit scanned
        nxt = encode_cursor(below) if below is not None else None
    items: list[dict[str, Any]] = []
    for mid, cid in found:
        row = rx.one(ITEM_SELECT + " WHERE c.id = ?", (cid,))
        snip = rx.scalar(
            rx.dialect.fts_snippet("messages_fts", 12),
            (SNIPPET_OPEN, SNIPPET_CLOSE, match, mid),
        )
        items.append(item(row, rx.tz, snip or ""))
    return {"items": items, "next_cursor": nxt}


# A search that names more visitors than this lists the chats of the first ones
PEOPLE_LIMIT = 200


def _people(rx: Rx, q: str | None) -> list[int]:
    """The visitors `q` names (search.people_condition), at most PEOPLE_LIMIT."""
    cond, params = people_condition(rx, q, "v.id")
    if cond is None:
        return []
    rows = rx.execute(
        f"SELECT v.id FROM visitors v WHERE {cond} ORDER BY v.id DESC LIMIT ?",
        [*params, PEOPLE_LIMIT],
    ).fetchall()
    return [r[0] for r in rows]


def _people_search(rx: Rx, f: ListFilter, people: list[int]) -> dict[str, Any]:
    """`q` names visitors: their chats and the chats with a matching message,
    newest first; the snippet is the newest matching message, else the visitor."""
    match = rx.dialect.fts_query(f.q)
    assert match is not None
    conds, params = _conditions(f)
    marks = ",".join("?" * len(people))
    conds.append(
        f"(c.visitor_id IN ({marks}) OR c.id IN (SELECT m.conversation_id FROM messages m"
        f" WHERE m.id IN ({rx.dialect.fts_ids('messages_fts')})))"
    )
    params.extend([*people, match])
    rows, nxt = _newest_first(rx, f, conds, params)
    hit = rx.dialect.fts_hit("messages_fts")
    items = []
    for row in rows:
        out = item(row, rx.tz)
        mids = rx.execute(
            "SELECT id FROM messages WHERE conversation_id = ? ORDER BY id DESC", (row["id"],)
        ).fetchall()
        mid = next((m for (m,) in mids if rx.scalar(hit, (match, m))), None)
        if mid is not None:
            snip = rx.scalar(
                rx.dialect.fts_snippet("messages_fts", 12),
                (SNIPPET_OPEN, SNIPPET_CLOSE, match, mid),
            )
        else:
            v = out["visitor"]
            who = visitor_label(v["number"]) + (f" {v['name']}" if v.get("name") else "")
            snip = f"visitor {SNIPPET_OPEN}{who}{SNIPPET_CLOSE}"
        out["snippet"] = snip or ""
        items.append(out)
    return {"items": items, "next_cursor": nxt}


def _matched_above(rx: Rx, match: str, conversation_id: int, message_id: int) -> bool:
    """Whether the conversation has a matching message at or after `message_id`
    (then an earlier page already showed it)."""
    later = rx.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND id >= ?",
        (conversation_id, message_id),
    ).fetchall()
    hit = rx.dialect.fts_hit("messages_fts")
    return any(rx.scalar(hit, (match, mid)) for (mid,) in later)


def conversation_item(rx: Rx, conversation_id: int) -> dict[str, Any]:
    row = rx.one(ITEM_SELECT + " WHERE c.id = ?", (conversation_id,))
    if row is None:
        raise NotFound("conversation")
    return item(row, rx.tz)


def conversation_owner(rx: Rx, conversation_id: int) -> dict[str, Any]:
    row = rx.one(
        "SELECT id, visitor_id, agent_id, site_id, ended_at FROM conversations WHERE id = ?",
        (conversation_id,),
    )
    if row is None:
        raise NotFound("conversation")
    return dict(row)


def end_conversation(
    tx: Tx, conversation_id: int, at: float | None = None, reason: str = "agent"
) -> bool:
    """End a conversation (`reason`: rules.CONVERSATION_END_REASONS); false
    when it had already ended."""
    if reason not in rules.CONVERSATION_END_REASONS:
        raise BadInput("end_reason", f"must be one of {', '.join(rules.CONVERSATION_END_REASONS)}")
    at = tx.now if at is None else at
    cur = tx.execute(
        "UPDATE conversations SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
        (at, reason, conversation_id),
    )
    if cur.rowcount == 0:
        exists = tx.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,))
        if exists.fetchone() is None:
            raise NotFound("conversation")
        return False
    row = tx.execute(
        "SELECT visitor_id, agent_id, started_at FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    tx.touch("conversations", row[2])
    tx.emit(
        "conversation.ended",
        {
            "conversation_id": conversation_id,
            "visitor_id": row[0],
            "agent_id": row[1],
            "at": iso(at, tx.tz),
            "conversation": conversation_item(tx.rx(), conversation_id),
            "end_reason": reason,
        },
        at,
        visitor_id=row[0],  # (the hub routes it to the visitor's socket untyped)
    )
    return True


# -- who holds a chat (rules.may_handle) ---------------------------------------


def end_as_agent(tx: Tx, agent_id: int, conversation_id: int) -> bool:
    """An advisor ends a chat it holds or nobody holds (`rules.may_handle`),
    checked in the transaction that ends it."""
    row = tx.execute(
        "SELECT agent_id FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise NotFound("conversation")
    if not rules.may_handle(agent_id, row[0]):
        raise Forbidden("another advisor holds this conversation")
    return end_conversation(tx, conversation_id)


def assign_conversation(
    tx: Tx, conversation_id: int, agent_id: int, at: float | None = None
) -> dict[str, Any]:
    """A supervisor's transfer: `agent_id` holds the chat from now on (it is
    its advisor for every figure, so the report cache is told). Event
    `conversation.assigned`, with the previous holder; none when nothing changes."""
    at = tx.now if at is None else at
    row = tx.execute(
        "SELECT agent_id, ended_at, started_at FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if row is None:
        raise NotFound("conversation")
    name = tx.execute("SELECT name FROM agents WHERE id = ?", (agent_id,)).fetchone()
    if name is None:
        raise BadInput("agent_id", "no such agent")
    if row["ended_at"] is not None:
        raise BadInput("conversation_id", "the conversation has ended")
    previous = row["agent_id"]
    prev_name = None
    if previous is not None:
        prev = tx.execute("SELECT name FROM agents WHERE id = ?", (previous,)).fetchone()
        prev_name = prev[0] if prev else None
    eid = None
    if previous != agent_id:
        tx.touch("conversations", row["started_at"])
        tx.execute(
            "UPDATE conversations SET agent_id = ? WHERE id = ?", (agent_id, conversation_id)
        )
        eid = tx.emit(
            "conversation.assigned",
            {
                "conversation_id": conversation_id,
                "agent": ref(agent_id, name[0]),
                "conversation": conversation_item(tx.rx(), conversation_id),
                "previous_agent": ref(previous, prev_name),
            },
            at,
        )
    return {
        "conversation_id": conversation_id,
        "agent": ref(agent_id, name[0]),
        "previous_agent": ref(previous, prev_name),
        "event_id": eid,
        "changed": previous != agent_id,
    }


IDLE_BATCH = 500  # conversations ended by one write at most


def end_idle_conversations(tx: Tx, idle_s: float) -> int:
    """End (reason `idle`) the open conversations with no message for
    `idle_s` seconds, each as of its last message + `idle_s`; answers how
    many (at most IDLE_BATCH: call again while it answers that many)."""
    rows = tx.execute(
        # open conversations are few: taken from the partial index
        "SELECT c.id, coalesce(m.at, c.started_at) FROM conversations c"
        " LEFT JOIN messages m ON m.id = c.last_message_id"
        " WHERE c.id IN (SELECT id FROM "
        + tx.dialect.indexed_by("conversations", "conversations_open")
        + " WHERE ended_at IS NULL)"
        " AND c.ended_at IS NULL AND coalesce(m.at, c.started_at) < ? ORDER BY c.id LIMIT ?",
        (tx.now - idle_s, IDLE_BATCH),
    ).fetchall()
    for cid, last_at in rows:
        end_conversation(tx, cid, last_at + idle_s, "idle")
    return len(rows)
