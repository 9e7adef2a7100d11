"""How a visitor and a chat are named on screen, in mail and in search: a
visitor is `V123` (its number), a chat (a conversation) is `#123` (its
id). One notation each, everywhere: `#` alone marked both before."""

from __future__ import annotations

import re

VISITOR_PREFIX = "V"
CHAT_PREFIX = "#"

# what a visitor search reads as a number: `V22395`, `22395` or the older `#22395`
_VISITOR_NUMBER = re.compile(r"(?:[vV]|#)?\s*(\d{1,15})")


def visitor_label(number: int) -> str:
    return f"{VISITOR_PREFIX}{number}"


def chat_label(conversation_id: int) -> str:
    return f"{CHAT_PREFIX}{conversation_id}"


def visitor_number(text: str | None) -> int | None:
    """The visitor number in a search: `V22395`, `22395` (or `#22395`)."""
    m = _VISITOR_NUMBER.fullmatch((text or "").strip())
    return int(m.group(1)) if m else None
