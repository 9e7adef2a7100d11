"""How the advisor's screens ask the app to act: dataclass messages that
bubble up to it (posting's `messages.py` style)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenChat(Message):
    conversation_id: int


@dataclass
class EndChat(Message):
    """End a chat, once the advisor confirmed."""

    conversation_id: int


@dataclass
class ReloadDesk(Message):
    """The desk again from the server."""
