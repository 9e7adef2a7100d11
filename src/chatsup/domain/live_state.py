"""Applying live events to a list of conversations the client already has.

Events about a conversation carry its whole list item as it is after the
change (`Event.conversation`: `data.conversation`, or the data itself for
`conversation.started`), so a client replaces rather than recomputes: one
rule for every client, and applying the events after a snapshot gives
exactly a fresh fetch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping

from chatsup.domain.events import Event, ProfileDeleted, ProfileUpdated
from chatsup.domain.models import ConversationItem


def conversation_of(event: Event) -> ConversationItem | None:
    """The conversation item an event carries, if any."""
    return event.conversation


def apply_event(items: MutableMapping[int, ConversationItem], event: Event) -> int | None:
    """Update `items` (by conversation id) with one event; returns the id of
    the conversation it changed, or None."""
    item = event.conversation
    if item is not None:
        items[item.id] = item
        return item.id
    if isinstance(event, ProfileUpdated | ProfileDeleted):
        vid = event.data.visitor_id
        name = event.data.profile.name if isinstance(event, ProfileUpdated) else None
        changed = None
        for cid, c in items.items():
            if c.visitor.id == vid:
                items[cid] = dataclasses.replace(
                    c, visitor=dataclasses.replace(c.visitor, name=name)
                )
                changed = cid
        return changed
    return None
