"""How screens and tabs ask the supervisor console to go somewhere or do
something that outlives them: dataclass messages that bubble up to the app
(posting's `messages.py` style). Screens never import the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class OpenDetails(Message):
    """Session details of a visitor (and of one of their chats)."""

    visitor_id: int
    conversation_id: int | None = None


@dataclass
class OpenTail(Message):
    """The live tail: company-wide (None) or of one chat."""

    conversation_id: int | None = None


@dataclass
class MailTranscript(Message):
    conversation_id: int


@dataclass
class EditProfile(Message):
    """The profile form of a visitor; `then` runs with the saved profile."""

    visitor_id: int
    then: Callable[[object], Awaitable[None]] | None = None


@dataclass
class ShowTab(Message):
    """Go to a tab, its filters set from `drill` (a drill-down)."""

    name: str
    drill: dict[str, Any] = field(default_factory=dict)
