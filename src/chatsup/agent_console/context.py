"""What the advisor's screens need from the app: the client, the company's
time zone, who the advisor is, and the desk (its chats and unread counts).
Screens read it with `context_of(self)` and reach the app only through
messages (`chatsup.agent_console.messages`), so no screen imports the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from textual.dom import DOMNode

from chatsup.client import AgentClient
from chatsup.domain.models import Agent, ConversationItem


@dataclass
class AgentContext:
    client: AgentClient
    tz: ZoneInfo
    me: Agent | None = None
    items: dict[int, ConversationItem] = field(default_factory=dict)
    unread: dict[int, int] = field(default_factory=dict)
    hint: str | None = None  # shown while the desk is empty (the demo page, in the demo)


def context_of(node: DOMNode) -> AgentContext:
    """The context of the app `node` runs in."""
    ctx = getattr(node.app, "ctx", None)
    if not isinstance(ctx, AgentContext):
        raise RuntimeError(f"{type(node.app).__name__} holds no advisor console context")
    return ctx
