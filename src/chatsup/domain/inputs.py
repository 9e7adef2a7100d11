"""Request bodies of the v1 API, shared by the server (validation) and the
clients (widget simulator, agent console). Unknown fields are refused so a
typo is a 422 naming the field rather than silently ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chatsup.domain import timerange
from chatsup.domain.models import Presence

# An id as SQLite stores it: 1 to 2**63 - 1.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]

ClientId = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileIn(In):
    """What a supervisor may send to PUT /v1/visitors/{id}/profile."""

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    notes: str | None = Field(None, max_length=10_000)


class MediaIn(In):
    name: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=127)
    size: int = Field(ge=0, le=1 << 40)
    url: str = Field(min_length=1, max_length=2048)


class WidgetSessionIn(In):
    site_key: str = Field(min_length=1, max_length=128)
    user_agent: str | None = Field(None, max_length=1024)
    webrtc: bool | None = None
    referrer: str | None = Field(None, max_length=2048)
    visitor_token: str | None = Field(None, max_length=128)
    url: str | None = Field(None, max_length=2048)


class PageViewIn(In):
    url: str = Field(min_length=1, max_length=2048)
    title: str | None = Field(None, max_length=512)


class MessageIn(In):
    body: str = Field("", max_length=100_000)
    media: MediaIn | None = None
    # a visitor's upload (`POST /v1/widget/media`), attached to the message
    media_id: DbId | None = None
    client_id: str | None = ClientId


class NoteIn(In):
    """A supervisor's note in a chat (v1): for the advisors, never the visitor."""

    body: str = Field(max_length=100_000)
    client_id: str | None = ClientId


class AssignIn(In):
    """A supervisor's transfer of a chat to an advisor (v1)."""

    agent_id: DbId


class OfflineMessageIn(In):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    body: str = Field(min_length=1, max_length=100_000)


class PresenceIn(In):
    status: Presence


class CallIn(In):
    visitor_id: DbId
    conversation_id: DbId | None = None


class CallPatch(In):
    state: Literal["answered", "missed", "rejected", "failed", "ended"]
    end_reason: str | None = Field(None, max_length=64)


class SmsIn(In):
    visitor_id: DbId
    phone: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=2000)


class CallbackIn(In):
    visitor_id: DbId
    phone: str = Field(min_length=1, max_length=40)
    scheduled_for: datetime | None = None

    @field_validator("scheduled_for")
    @classmethod
    def _in_range(cls, v: datetime | None) -> datetime | None:
        if v is not None and not timerange.in_range(v):
            raise ValueError(timerange.OUT_OF_RANGE)
        return v


class SitePatch(In):
    offline_enabled: bool


class MailIn(In):
    to: str | None = Field(None, max_length=320)


class ConversationEnd(In):
    pass
