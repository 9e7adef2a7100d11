"""What an advisor reads about one conversation it may answer
(`GET /v1/agent/conversations/{id}`), and turning an agent-socket
`message.created` event into a `Message`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chatsup.domain.models import (
    ConversationItem,
    Message,
    PageView,
    Profile,
    SessionInfo,
    VisitorItem,
)

if TYPE_CHECKING:  # the event models load when an event first comes (console start)
    from chatsup.domain.events import Event


@dataclass(kw_only=True, slots=True)
class DeskConversation:
    conversation: ConversationItem
    messages: list[Message]
    visitor: VisitorItem | None = None
    profile: Profile | None = None
    session: SessionInfo | None = None
    page_views: list[PageView] = field(default_factory=list)
    visits: int = 0


def message_of(event: Event) -> Message | None:
    """The message a `message.created` event carries, or None."""
    from chatsup.domain.events import MessageCreated

    if not isinstance(event, MessageCreated):
        return None
    d = event.data
    return Message(
        id=d.message_id,
        conversation_id=d.conversation_id,
        at=d.at,
        sender=d.sender,
        agent=d.agent,
        body=d.body,
        media=d.media,
        internal=d.internal,
    )
