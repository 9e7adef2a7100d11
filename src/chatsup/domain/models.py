"""The wire schema: what the server answers and the client parses.

Both sides import these models; this module imports neither side. Times are
timezone-aware datetimes (ISO 8601 with offset on the wire), durations are
seconds as floats. Field names follow `shared/design/API.md`.

The models are plain dataclasses, read from their type hints by two
libraries: the server's FastAPI/pydantic (response models, event payloads
that embed them) and the client's msgspec (`client/base.py`), which decodes
them without loading pydantic before the console's first rows (issue 14,
P7). Unknown fields are ignored by both; `tests/test_wire_readers.py` checks
that the two read every model alike. Request bodies, which the server
validates with limits, are pydantic models in `inputs.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from chatsup.domain import rules
from chatsup.domain.wire_class import wire

Role = Literal["supervisor", "agent", "visitor"]
Presence = Literal["online", "away", "offline"]
Sender = Literal["visitor", "agent", "system", "supervisor"]  # supervisor: v1 notes and messages
ConversationStatus = Literal["open", "unanswered", "answered", "ended"]
CallState = Literal["ringing", "answered", "missed", "rejected", "failed", "ended"]
CALL_STATES: tuple[str, ...] = rules.CALL_STATES
END_REASONS: tuple[str, ...] = rules.END_REASONS
OfflineStatus = Literal["new", "read", "handled"]
CallbackStatus = Literal["pending", "done", "cancelled"]


T = TypeVar("T")

# Every wire model is `@wire` (wire_class.py): `@dataclass(kw_only=True,
# slots=True)`, its `__init__`, `__repr__` and `__eq__` made at first use.


@wire
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@wire
class Ref:
    """A short reference to a site or agent: id and display name."""

    id: int
    name: str


@wire
class VisitorRef:
    id: int
    number: int
    name: str | None = None


@wire
class Site:
    id: int
    name: str
    domain: str
    key: str
    offline_enabled: bool
    opening_hours: str | None = None


@wire
class Agent:
    id: int
    name: str
    email: str
    presence: Presence


@wire
class Media:
    name: str
    type: str
    size: int
    url: str
    id: int | None = None  # media a visitor uploaded: `GET /v1/media/{id}`


@wire
class LastMessage:
    at: datetime
    sender: Sender
    preview: str


@wire
class ConversationItem:
    id: int
    started_at: datetime
    ended_at: datetime | None = None
    site: Ref
    agent: Ref | None = None  # who holds it (set by the first answer or a transfer)
    # v1: the conversation's advisor (rules.conversation_advisor: the holder,
    # else the advisor presented), the one `agent_id` filters and counts by
    advisor: Ref | None = None
    visitor: VisitorRef
    message_count: int
    first_response_s: float | None = None
    status: ConversationStatus
    unanswered: bool = False
    last_message: LastMessage | None = None
    snippet: str | None = None


@wire
class Message:
    id: int
    conversation_id: int
    at: datetime
    sender: Sender
    agent: Ref | None = None
    body: str
    media: Media | None = None
    response_s: float | None = None
    # v1: a supervisor's note, for supervisors and the advisor holding the chat
    internal: bool = False


@wire
class ConversationDetail:
    conversation: ConversationItem
    messages: list[Message]


@wire
class OfflineMessage:
    id: int
    at: datetime
    site: Ref
    visitor: VisitorRef | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    body: str
    handled_by: Ref | None = None
    status: OfflineStatus


@wire
class CallParty:
    id: int
    nickname: str | None = None


@wire
class Call:
    id: int
    conversation_id: int | None = None
    started_at: datetime
    duration_s: float | None = None
    caller: CallParty
    called: CallParty | None = None
    state: CallState
    end_reason: str | None = None


@wire
class CallSummary:
    """Each call in one outcome (`rules.call_outcome`): answered (ever),
    missed, rejected, failed, ringing add up to `total`."""

    total: int
    answered: int
    missed: int
    rejected: int = 0
    failed: int = 0
    ringing: int = 0
    total_duration_s: float
    avg_duration_s: float | None = None


@wire
class CallPage(Page[Call]):
    """A page of calls with a summary. `items` is named again: pydantic reads
    an inherited `list[T]` as a list of `Any` (tests/test_wire_readers.py)."""

    items: list[Call]
    summary: CallSummary


@wire
class VisitorItem:
    id: int
    number: int
    first_seen_at: datetime
    last_seen_at: datetime
    site: Ref | None = None
    presented_agent: Ref | None = None
    name: str | None = None
    page_views: int
    country: str | None = None
    online: bool


@wire
class Profile:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    updated_at: datetime | None = None


@wire
class Location:
    country: str | None = None
    country_code: str | None = None
    city: str | None = None


@wire
class SessionInfo:
    id: int
    started_at: datetime
    ended_at: datetime | None = None
    site: Ref
    agent: Ref | None = None
    ip: str | None = None
    user_agent: str | None = None
    os: str | None = None
    browser: str | None = None
    webrtc: bool | None = None
    referrer: str | None = None
    location: Location | None = None


@wire
class PageView:
    id: int
    session_id: int
    url: str
    title: str | None = None
    at: datetime


@wire
class VisitorDetail:
    visitor: VisitorItem
    profile: Profile | None = None
    sessions: list[SessionInfo]
    page_views: list[PageView]
    conversations: list[ConversationItem]
    media: list[Media]
    location: Location | None = None


@wire
class Contact:
    id: int
    number: int
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    updated_at: datetime | None = None
    last_seen_at: datetime | None = None


@wire
class Sms:
    id: int
    at: datetime
    visitor_id: int
    agent: Ref | None = None
    phone: str
    body: str


@wire
class Callback:
    id: int
    visitor_id: int
    phone: str
    requested_at: datetime
    scheduled_for: datetime | None = None
    status: CallbackStatus


@wire
class MailResult:
    """202 of `POST /v1/conversations/{id}/mail`: `to` (SMTP recipient) and,
    with no SMTP configured, `eml_path` (the written file; `path` is its old name)."""

    status: Literal["sent", "saved"]
    to: str
    path: str | None = None
    eml_path: str | None = None
    message_id: str | None = None

    @property
    def where(self) -> str:
        """Where the mail went, in words."""
        saved = self.eml_path or self.path
        if self.status == "saved" and saved:
            return f"saved to {saved} (no SMTP configured; addressed to {self.to})"
        return f"sent to {self.to}"


@wire
class ServerSettings:
    """`GET /v1/settings`: what the console prefills (the mail address) and shows."""

    supervisor_address: str | None = None
    smtp: bool = False
    timezone: str | None = None


@wire
class Health:
    status: str
    version: str
    timezone: str | None = None
