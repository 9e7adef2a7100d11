"""Media shared by visitors: the bytes live in the store (table `media`), so
every server process serves them. Who may read one: its visitor, the
advisor holding a chat it was sent in, and supervisors."""

from __future__ import annotations

from typing import Any

from chatsup.server.store.errors import BadInput, NotFound
from chatsup.server.store.tx import Rx, Tx


def url(media_id: int) -> str:
    return f"/v1/media/{media_id}"


def save_media(tx: Tx, visitor_id: int, name: str, kind: str, data: bytes) -> dict[str, Any]:
    """Keep an upload; answers `{media_id, name, type, size}`."""
    media_id = tx.insert(
        "INSERT INTO media(visitor_id, name, type, size, data, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (visitor_id, name, kind, len(data), data, tx.now),
    )
    return {"media_id": media_id, "name": name, "type": kind, "size": len(data)}


def stored_bytes(rx: Rx, visitor_id: int) -> int:
    """What a visitor's uploads hold, in bytes (`server.max_media_bytes_per_visitor`)."""
    return int(
        rx.scalar("SELECT coalesce(sum(size), 0) FROM media WHERE visitor_id = ?", (visitor_id,))
    )


def attachment(tx: Tx, visitor_id: int, media_id: int) -> dict[str, Any]:
    """The message's `media` for an upload of this visitor (in wire order:
    name, type, size, url, id); a 422 naming `media_id` for any other."""
    row = tx.execute(
        "SELECT name, type, size FROM media WHERE id = ? AND visitor_id = ?",
        (media_id, visitor_id),
    ).fetchone()
    if row is None:
        raise BadInput("media_id", "no media of this visitor has this id")
    return {
        "name": row[0],
        "type": row[1],
        "size": row[2],
        "url": url(media_id),
        "id": media_id,
    }


UNSENT_BATCH = 500  # uploads removed per transaction (the janitor loops while full)

# An upload no message carries (the one rule: the cleanup's and its test's)
UNSENT = "NOT EXISTS (SELECT 1 FROM messages m WHERE m.media_id = media.id)"


def delete_unsent(tx: Tx, keep_s: float, limit: int = UNSENT_BATCH) -> int:
    """Remove the uploads older than `keep_s` seconds that no message carries
    (uploaded, never sent); answers how many (at most `limit`: call again
    while it answers that many). The newest upload of all stays: SQLite
    gives a new row the largest id + 1, so deleting it would hand its id,
    and its URL, to the next upload."""
    ids = [
        r[0]
        for r in tx.execute(
            f"SELECT id FROM media WHERE created_at < ? AND {UNSENT}"
            " AND id < (SELECT max(id) FROM media) ORDER BY id LIMIT ?",
            (tx.now - keep_s, limit),
        ).fetchall()
    ]
    if ids:
        marks = ", ".join("?" * len(ids))
        tx.execute(f"DELETE FROM media WHERE id IN ({marks}) AND {UNSENT}", ids)
    return len(ids)


def media_for(rx: Rx, media_id: int, role: str, subject_id: int | None) -> dict[str, Any] | None:
    """The media with its bytes when `role`/`subject_id` may read it; None
    when it exists but they may not (403); NotFound when there is none."""
    row = rx.one("SELECT id, visitor_id, name, type, size FROM media WHERE id = ?", (media_id,))
    if row is None:
        raise NotFound("media")
    if role == "visitor":
        allowed = row["visitor_id"] == subject_id
    elif role == "agent":
        # the advisor holding a chat the media was sent in
        allowed = (
            rx.one(
                "SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE m.media_id = ? AND c.agent_id = ? LIMIT 1",
                (media_id, subject_id),
            )
            is not None
        )
    else:
        allowed = role == "supervisor"
    if not allowed:
        return None
    data = rx.scalar("SELECT data FROM media WHERE id = ?", (media_id,))
    return {**dict(row), "data": bytes(data)}
