"""How a visitor and a chat are named on screen, in mail and in search: a
visitor is `V123` (its number), a chat (a conversation) is `#123` (its
id). One notation each, everywhere: `#` alone marked both before.

In a search: on the chats (Messages) `#123` names chat 123 (`chat_id`),
`V123` visitor 123's chats; on the visitor lists (Visitors, Contacts) `#123`
is still read as the visitor number it was (API.md)."""

from __future__ import annotations

import re

VISITOR_PREFIX = "V"
CHAT_PREFIX = "#"

# what a visitor search reads as a number: `V22395`, `22395` or the older `#22395`
_VISITOR_NUMBER = re.compile(r"(?:[vV]|#)?\s*(\d{1,15})")
# what a chat search reads as a chat: `#123`
_CHAT_ID = re.compile(r"#\s*(\d{1,15})")


def visitor_label(number: int) -> str:
    return f"{VISITOR_PREFIX}{number}"


def chat_label(conversation_id: int) -> str:
    return f"{CHAT_PREFIX}{conversation_id}"


def visitor_number(text: str | None) -> int | None:
    """The visitor number in a search: `V22395`, `22395` (or `#22395`)."""
    m = _VISITOR_NUMBER.fullmatch((text or "").strip())
    return int(m.group(1)) if m else None


def chat_id(text: str | None) -> int | None:
    """The chat a search names: `#123` (nothing else in the text)."""
    m = _CHAT_ID.fullmatch((text or "").strip())
    return int(m.group(1)) if m else None
