"""How the advisor's desk draws conversations and messages: every string
from the wire goes through `chatsup.kit.render`, never markup."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from chatsup.domain.labels import visitor_label as visitor_code
from chatsup.domain.models import ConversationItem, Presence
from chatsup.kit import render as r

PRESENCE_STYLE: dict[str, tuple[str, str]] = {
    "online": ("● online", "green"),
    "away": ("◐ away", "yellow"),
    "offline": ("○ offline", "red"),
}
PRESENCE_CYCLE: dict[Presence, Presence] = {
    "online": "away",
    "away": "offline",
    "offline": "online",
}


def is_waiting(c: ConversationItem) -> bool:
    """A visitor wrote and no advisor has answered (nor holds it) yet."""
    return c.ended_at is None and c.agent is None and c.status == "unanswered"


def visitor_label(c: ConversationItem) -> Text:
    t = Text(visitor_code(c.visitor.number))
    if c.visitor.name:
        t.append(" ")
        t.append_text(r.plain(c.visitor.name, 20))
    return t


def waited(since: datetime, now: datetime) -> Text:
    return r.seconds(max(0.0, (now - since).total_seconds()))


def chat_title(c: ConversationItem) -> Text:
    t = Text(f"Chat #{c.id} · ", style="bold")
    t.append_text(visitor_label(c))
    t.append(" · ")
    t.append_text(r.plain(c.site.name, 24))
    t.append(" · ")
    if c.ended_at is not None:
        t.append("ended", style="red")
    elif c.agent is None:
        t.append("waiting: your first reply takes it", style="yellow")
    else:
        t.append("with ")
        t.append_text(r.plain(c.agent.name, 20))
    return t
