"""How values become table cells and lines: every string from the wire goes
through `chatsup.domain.text.visible` and becomes a plain `rich.text.Text`,
never markup. One place, used by every view."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import JustifyMethod
from rich.text import Text

from chatsup.domain.labels import chat_label, visitor_label
from chatsup.domain.models import Message, Ref, VisitorRef
from chatsup.domain.text import preview, visible

NEW_STYLE = "bold reverse"


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`, UTC when there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def plain(value: object, width: int | None = None, style: str = "") -> Text:
    """Untrusted text as a one-line, visible, plain Text."""
    if value is None:
        return Text("—", style="dim")
    s = preview(str(value), width) if width else visible(str(value), single_line=True)
    return Text(s, style=style)


def block(value: object, style: str = "") -> Text:
    """Untrusted text over several lines (newlines kept, controls visible)."""
    return Text(visible(None if value is None else str(value)), style=style)


def when(dt: datetime | None, tz: ZoneInfo, *, today: datetime | None = None) -> Text:
    if dt is None:
        return Text("—", style="dim")
    local = dt.astimezone(tz)
    now = (today or datetime.now(tz)).astimezone(tz)
    if local.date() == now.date():
        return Text(local.strftime("%H:%M:%S"))
    if local.year == now.year:
        return Text(local.strftime("%d %b %H:%M"))
    return Text(local.strftime("%Y-%m-%d %H:%M"))


def seconds(value: float | None, justify: JustifyMethod | None = None) -> Text:
    if value is None:
        return Text("—", style="dim", justify=justify)
    v = round(value)
    if v < 60:
        return Text(f"{v}s", justify=justify)
    if v < 3600:
        return Text(f"{v // 60}m{v % 60:02d}s", justify=justify)
    return Text(f"{v // 3600}h{(v % 3600) // 60:02d}m", justify=justify)


def ago(dt: datetime | None, now: datetime) -> Text:
    if dt is None:
        return Text("—", style="dim")
    d = (now - dt).total_seconds()
    if d < 3600:
        return Text(f"{int(d // 60)} min")
    if d < 86400:
        return Text(f"{int(d // 3600)} h")
    return Text(f"{int(d // 86400)} d")


def ref(r: Ref | None) -> Text:
    return plain(r.name if r else None, 24)


def visitor(v: VisitorRef | None) -> Text:
    if v is None:
        return Text("—", style="dim")
    return plain(v.name, 24) if v.name else Text(visitor_label(v.number))


def snippet(s: str, width: int = 80) -> Text:
    """A search snippet: the matched words (between « ») highlighted."""
    out = Text()
    for i, part in enumerate(preview(s, width).split("«")):
        if i == 0:
            out.append(part)
            continue
        hit, _, rest = part.partition("»")
        out.append(hit, style="bold underline")
        out.append(rest)
    return out


def number(value: float | None, style: str = "") -> Text:
    """A count, right-aligned with thousands separators."""
    if value is None:
        return Text("—", style="dim", justify="right")
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return Text(text, style=style, justify="right")


SENDER_STYLE = {"visitor": "cyan", "agent": "green", "system": "dim", "supervisor": "magenta"}
NOTE_STYLE = "dim italic"


def message_line(
    m: Message,
    tz: ZoneInfo,
    me_id: int | None = None,
    *,
    visitor: VisitorRef | None = None,
    chat: bool = False,
) -> Text:
    """A chat line: time, who (`you` for the advisor `me_id`; the visitor's
    name or number when `visitor` is given), the text, media. `chat` puts
    the conversation's number first (lines of many chats, as in the tail).
    The one chat-line renderer: the tail, the transcript and the agent chat.
    A supervisor's note (`internal`) is drawn apart: dim italic, `note`
    first, so it never reads as the visitor's or the advisor's words."""
    t = Text()
    t.append(m.at.astimezone(tz).strftime("%H:%M:%S "), style="dim")
    if chat:
        t.append(f"{chat_label(m.conversation_id)} ", style="dim")
    if m.internal:
        t.append("✎ note from supervisor: ", style="bold magenta italic")
        t.append_text(block(m.body, style=NOTE_STYLE))
        return t
    if m.sender == "agent":
        who = (
            "you"
            if me_id is not None and m.agent is not None and m.agent.id == me_id
            else (m.agent.name if m.agent else "advisor")
        )
    elif m.sender == "visitor" and visitor is not None:
        who = visitor.name or visitor_label(visitor.number)
    else:
        who = m.sender
    t.append_text(plain(who, 16, style="bold " + SENDER_STYLE.get(m.sender, "")))
    t.append(": ")
    t.append_text(block(m.body))
    if m.media:
        t.append("\n    📎 ", style="dim")
        t.append_text(
            plain(
                f"{m.media.name} ({m.media.type}, {m.media.size} bytes) {m.media.url}",
                100,
                style="dim",
            )
        )
    return t
