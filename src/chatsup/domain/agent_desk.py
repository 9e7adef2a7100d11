"""What an advisor reads about one conversation it may answer
(`GET /v1/agent/conversations/{id}`), and turning an agent-socket
`message.created` event into a `Message`."""

from __future__ import annotations

from pydantic import Field, ValidationError

from chatsup.domain.models import (
    ConversationItem,
    Event,
    Message,
    Model,
    PageView,
    Profile,
    SessionInfo,
    VisitorItem,
)


class DeskConversation(Model):
    conversation: ConversationItem
    messages: list[Message]
    visitor: VisitorItem | None = None
    profile: Profile | None = None
    session: SessionInfo | None = None
    page_views: list[PageView] = Field(default_factory=list)
    visits: int = 0


def message_of(event: Event) -> Message | None:
    """The message a `message.created` event carries, or None."""
    if event.type != "message.created":
        return None
    d = event.data
    try:
        return Message.model_validate(
            {
                "id": d.get("message_id"),
                "conversation_id": d.get("conversation_id"),
                "at": d.get("at") or event.at,
                "sender": d.get("sender"),
                "agent": d.get("agent"),
                "body": d.get("body") or "",
                "media": d.get("media"),
            }
        )
    except ValidationError:
        return None
