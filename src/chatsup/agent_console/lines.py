"""How the advisor's desk draws conversations and messages: every string
from the wire goes through `chatsup.tui.render`, never markup."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from chatsup.client.errors import ApiError, Unreachable
from chatsup.domain.models import ConversationItem, Message, Presence
from chatsup.tui import render as r

SENDER_STYLE = {"visitor": "cyan", "agent": "green", "system": "dim"}
PRESENCE_STYLE: dict[str, tuple[str, str]] = {
    "online": ("● online", "green"), "away": ("◐ away", "yellow"),
    "offline": ("○ offline", "red"),
}
PRESENCE_CYCLE: dict[Presence, Presence] = {"online": "away", "away": "offline",
                                            "offline": "online"}


def describe(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return f"{error.status}: {error.message}"
    if isinstance(error, Unreachable):
        return str(error)
    return f"{type(error).__name__}: {error}"


def is_waiting(c: ConversationItem) -> bool:
    """A visitor wrote and no advisor has answered (nor holds it) yet."""
    return c.ended_at is None and c.agent is None and c.status == "unanswered"


def visitor_label(c: ConversationItem) -> Text:
    t = Text(f"#{c.visitor.number}")
    if c.visitor.name:
        t.append(" ")
        t.append_text(r.plain(c.visitor.name, 20))
    return t


def waited(since: datetime, now: datetime) -> Text:
    return r.seconds(max(0.0, (now - since).total_seconds()))


def message_line(m: Message, tz: ZoneInfo, me_id: int | None = None) -> Text:
    t = Text()
    t.append(m.at.astimezone(tz).strftime("%H:%M:%S "), style="dim")
    if m.sender == "agent":
        who = "you" if m.agent is not None and m.agent.id == me_id else (
            m.agent.name if m.agent else "advisor")
    else:
        who = m.sender
    t.append_text(r.plain(who, 16, style="bold " + SENDER_STYLE.get(m.sender, "")))
    t.append(": ")
    t.append_text(r.block(m.body))
    if m.media:
        t.append("\n    📎 ", style="dim")
        t.append_text(r.plain(f"{m.media.name} ({m.media.type}, {m.media.size} bytes) "
                              f"{m.media.url}", 100, style="dim"))
    return t


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
