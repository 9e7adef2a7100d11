"""Applying live events to a list of conversations the client already has.

Events about a conversation carry its whole list item as it is after the
change (`data.conversation`, or the data itself for `conversation.started`),
so a client replaces rather than recomputes: one rule for every client, and
applying the events after a snapshot gives exactly a fresh fetch.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from chatsup.domain.models import ConversationItem, Event

CONVERSATION_EVENTS = frozenset(
    {
        "conversation.started",
        "message.created",
        "conversation.assigned",
        "conversation.ended",
    }
)


def conversation_of(event: Event) -> ConversationItem | None:
    """The conversation item an event carries, if any."""
    data: Any = event.data
    if event.type == "conversation.started":
        return ConversationItem.model_validate(data)
    if event.type in CONVERSATION_EVENTS and isinstance(data.get("conversation"), dict):
        return ConversationItem.model_validate(data["conversation"])
    return None


def apply_event(items: MutableMapping[int, ConversationItem], event: Event) -> int | None:
    """Update `items` (by conversation id) with one event; returns the id of
    the conversation it changed, or None."""
    item = conversation_of(event)
    if item is not None:
        items[item.id] = item
        return item.id
    if event.type in ("profile.updated", "profile.deleted"):
        vid = event.data.get("visitor_id")
        name = (
            (event.data.get("profile") or {}).get("name")
            if event.type == ("profile.updated")
            else None
        )
        changed = None
        for cid, c in items.items():
            if c.visitor.id == vid:
                items[cid] = c.model_copy(
                    update={"visitor": c.visitor.model_copy(update={"name": name})}
                )
                changed = cid
        return changed
    return None
