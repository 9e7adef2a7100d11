"""Live events, typed: one model per event type, as the wire carries them.

Every event is an envelope `{id, type, at, data}` (API.md). `data` has one
model per type (`MessageCreatedData`, …); the envelope of each type
(`MessageCreated`, …) is a subclass of `Event` with `data` typed, so a
consumer writes `isinstance(e, MessageCreated) and e.data.sender == "agent"`.
A type this code does not know (a newer server), or a known type whose data
does not match its model, parses to `GenericEvent` (data left a dict): an
older client skips what it does not understand instead of failing.

The server's store emits `(type, data dict)`; under CHATSUP_STRICT_EVENTS
(the test suite) each is checked against its model (`payload`) and must dump
back to the same bytes, in production only its type is checked and the hub
types an event (`typed`) when a socket first reads it. The wire bytes are
`wire(...)` of the emitted dict; `to_wire(event)` of a parsed event gives the
same bytes back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from chatsup.domain.models import (
    CallState,
    ConversationItem,
    Media,
    OfflineStatus,
    Presence,
    Profile,
    Ref,
    Sender,
    VisitorRef,
)

log = logging.getLogger(__name__)


class Model(BaseModel):
    """An event envelope or payload. The wire models it embeds
    (`ConversationItem`, `Ref`…) are the dataclasses of `models.py`."""

    model_config = ConfigDict(extra="ignore")


# -- payloads (`data`), one per type; fields in the order the server writes them


class SiteUpdatedData(Model):
    site_id: int
    offline_enabled: bool


class AgentPresenceData(Model):
    agent_id: int
    name: str | None = None
    presence: Presence


class SessionStartedData(Model):
    session_id: int
    visitor_id: int
    visitor_number: int
    site_id: int
    os: str | None = None
    browser: str | None = None
    country: str | None = None
    presented_agent: Ref | None = None
    returning: bool = False


class PageviewCreatedData(Model):
    id: int
    session_id: int
    visitor_id: int
    site_id: int
    url: str
    title: str | None = None


class MessageCreatedData(Model):
    conversation_id: int
    message_id: int
    sender: Sender
    agent: Ref | None = None
    body: str
    media: Media | None = None
    at: datetime
    visitor: VisitorRef
    site: Ref
    conversation: ConversationItem
    # v1 (API.md): a supervisor's note; never reaches the visitor
    internal: bool = False


class ConversationAssignedData(Model):
    conversation_id: int
    agent: Ref | None = None
    conversation: ConversationItem
    # v1: who held the chat before a supervisor's transfer (absent: nobody)
    previous_agent: Ref | None = None


class ConversationEndedData(Model):
    conversation_id: int
    visitor_id: int
    agent_id: int | None = None
    at: datetime
    conversation: ConversationItem
    end_reason: str | None = None  # rules.CONVERSATION_END_REASONS


class OfflineMessageCreatedData(Model):
    id: int
    site_id: int
    visitor_id: int | None = None
    name: str | None = None
    body: str
    at: datetime


class OfflineMessageUpdatedData(Model):
    id: int
    status: OfflineStatus


class CallUpdatedData(Model):
    id: int
    conversation_id: int | None = None
    visitor_id: int
    agent: Ref | None = None
    state: CallState
    end_reason: str | None = None
    duration_s: float | None = None


class SmsCreatedData(Model):
    id: int
    visitor_id: int
    agent_id: int | None = None
    phone: str
    body: str


class CallbackCreatedData(Model):
    id: int
    visitor_id: int
    phone: str
    scheduled_for: datetime | None = None


class ProfileUpdatedData(Model):
    visitor_id: int
    profile: Profile


class ProfileDeletedData(Model):
    visitor_id: int


# -- envelopes ------------------------------------------------------------------------


class Event(Model):
    """What every event has. Its subclasses add `data`, typed."""

    id: int
    type: str
    at: datetime

    @property
    def visitor_id(self) -> int | None:
        """The visitor the event concerns, if one."""
        return None

    @property
    def conversation_id(self) -> int | None:
        """The conversation the event concerns, if one."""
        return None

    @property
    def conversation(self) -> ConversationItem | None:
        """The conversation's list item as it is after the event, if carried."""
        return None


class GenericEvent(Event):
    """An event of a type this code does not know, or whose data did not match."""

    data: dict[str, Any] = Field(default_factory=dict)


class SiteUpdated(Event):
    type: Literal["site.updated"] = "site.updated"
    data: SiteUpdatedData


class AgentPresenceChanged(Event):
    type: Literal["agent.presence"] = "agent.presence"
    data: AgentPresenceData


class SessionStarted(Event):
    type: Literal["session.started"] = "session.started"
    data: SessionStartedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class PageviewCreated(Event):
    type: Literal["pageview.created"] = "pageview.created"
    data: PageviewCreatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class ConversationStarted(Event):
    """Its data is the new conversation's list item itself."""

    type: Literal["conversation.started"] = "conversation.started"
    data: ConversationItem

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor.id

    @property
    def conversation_id(self) -> int | None:
        return self.data.id

    @property
    def conversation(self) -> ConversationItem | None:
        return self.data


class MessageCreated(Event):
    type: Literal["message.created"] = "message.created"
    data: MessageCreatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor.id

    @property
    def conversation_id(self) -> int | None:
        return self.data.conversation_id

    @property
    def conversation(self) -> ConversationItem | None:
        return self.data.conversation


class ConversationAssigned(Event):
    type: Literal["conversation.assigned"] = "conversation.assigned"
    data: ConversationAssignedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.conversation.visitor.id

    @property
    def conversation_id(self) -> int | None:
        return self.data.conversation_id

    @property
    def conversation(self) -> ConversationItem | None:
        return self.data.conversation


class ConversationEnded(Event):
    type: Literal["conversation.ended"] = "conversation.ended"
    data: ConversationEndedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id

    @property
    def conversation_id(self) -> int | None:
        return self.data.conversation_id

    @property
    def conversation(self) -> ConversationItem | None:
        return self.data.conversation


class OfflineMessageCreated(Event):
    type: Literal["offline_message.created"] = "offline_message.created"
    data: OfflineMessageCreatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class OfflineMessageUpdated(Event):
    type: Literal["offline_message.updated"] = "offline_message.updated"
    data: OfflineMessageUpdatedData


class CallUpdated(Event):
    type: Literal["call.updated"] = "call.updated"
    data: CallUpdatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id

    @property
    def conversation_id(self) -> int | None:
        return self.data.conversation_id


class SmsCreated(Event):
    type: Literal["sms.created"] = "sms.created"
    data: SmsCreatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class CallbackCreated(Event):
    type: Literal["callback.created"] = "callback.created"
    data: CallbackCreatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class ProfileUpdated(Event):
    type: Literal["profile.updated"] = "profile.updated"
    data: ProfileUpdatedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


class ProfileDeleted(Event):
    type: Literal["profile.deleted"] = "profile.deleted"
    data: ProfileDeletedData

    @property
    def visitor_id(self) -> int | None:
        return self.data.visitor_id


TYPED: tuple[type[Event], ...] = (
    SiteUpdated,
    AgentPresenceChanged,
    SessionStarted,
    PageviewCreated,
    ConversationStarted,
    MessageCreated,
    ConversationAssigned,
    ConversationEnded,
    OfflineMessageCreated,
    OfflineMessageUpdated,
    CallUpdated,
    SmsCreated,
    CallbackCreated,
    ProfileUpdated,
    ProfileDeleted,
)
"""Every event type, one envelope class each."""

ENVELOPES: dict[str, type[Event]] = {c.model_fields["type"].default: c for c in TYPED}
Payload = Model | ConversationItem
"""An event's `data` as its model: a payload model, or the wire model it is
(`conversation.started` carries a `ConversationItem`, a dataclass)."""

PAYLOADS: dict[str, type[Payload]] = {
    t: c.model_fields["data"].annotation  # type: ignore[misc]
    for t, c in ENVELOPES.items()
}
EVENT_TYPES = frozenset(ENVELOPES)


def _kind(v: Any) -> str:
    t = v.get("type") if isinstance(v, Mapping) else getattr(v, "type", None)
    return t if t in EVENT_TYPES else "*"


_MISMATCHED: set[str] = set()


def _or_generic(value: Any, handler: ValidatorFunctionWrapHandler) -> Event:
    """A known type whose data does not match its model reads as a
    `GenericEvent` (logged); a frame that is no envelope still fails."""
    try:
        typed: Event = handler(value)
    except ValidationError as e:
        generic = GenericEvent.model_validate(value)
        if generic.type not in _MISMATCHED:  # once per type: not a line per event
            _MISMATCHED.add(generic.type)
            log.warning("event %s (%s) does not match its model: %s", generic.id, generic.type, e)
        return generic
    return typed


_Typed = Annotated[
    Annotated[SiteUpdated, Tag("site.updated")]
    | Annotated[AgentPresenceChanged, Tag("agent.presence")]
    | Annotated[SessionStarted, Tag("session.started")]
    | Annotated[PageviewCreated, Tag("pageview.created")]
    | Annotated[ConversationStarted, Tag("conversation.started")]
    | Annotated[MessageCreated, Tag("message.created")]
    | Annotated[ConversationAssigned, Tag("conversation.assigned")]
    | Annotated[ConversationEnded, Tag("conversation.ended")]
    | Annotated[OfflineMessageCreated, Tag("offline_message.created")]
    | Annotated[OfflineMessageUpdated, Tag("offline_message.updated")]
    | Annotated[CallUpdated, Tag("call.updated")]
    | Annotated[SmsCreated, Tag("sms.created")]
    | Annotated[CallbackCreated, Tag("callback.created")]
    | Annotated[ProfileUpdated, Tag("profile.updated")]
    | Annotated[ProfileDeleted, Tag("profile.deleted")]
    | Annotated[GenericEvent, Tag("*")],
    Discriminator(_kind),
]
AnyEvent = Annotated[_Typed, WrapValidator(_or_generic)]
"""An event of any type: the typed envelope of its type, else `GenericEvent`."""

_ANY: TypeAdapter[Event] = TypeAdapter(AnyEvent)


# -- reading ------------------------------------------------------------------------------


def parse_event(frame: str | bytes | Mapping[str, Any]) -> Event:
    """An event frame `{id, type, at, data}` (JSON text or a decoded object)
    as its typed envelope. A type this code does not know, or a known type
    whose data does not match its model, gives a `GenericEvent`. Raises
    `ValueError` (pydantic's `ValidationError`) when the frame is no event
    envelope at all (no integer id, no type, no time)."""
    if isinstance(frame, str | bytes):
        return _ANY.validate_json(frame)
    return _ANY.validate_python(frame)


# -- writing ------------------------------------------------------------------------------


def _time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    raise TypeError(f"not serialisable: {type(value).__name__}")


def wire(id_: int, type_: str, at: str, data: Mapping[str, Any]) -> bytes:
    """The wire frame of an event the store emitted (its data as emitted)."""
    return orjson.dumps({"id": id_, "type": type_, "at": at, "data": data})


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(model: type[Any]) -> TypeAdapter[Any]:
    """pydantic's reader of a payload that is a wire dataclass (made once)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def _plain(model: Payload) -> dict[str, Any]:
    """A payload's fields: those it was given, for a pydantic model; all of
    them for a wire dataclass (which the server always emits whole)."""
    if isinstance(model, BaseModel):
        return model.model_dump(exclude_unset=True)
    plain: dict[str, Any] = _adapter(type(model)).dump_python(model)
    return plain


def dump(model: Payload) -> bytes:
    """A parsed event or payload as the JSON it was read from: the fields it
    was given, in model order, times as ISO 8601 with milliseconds."""
    return orjson.dumps(
        _plain(model),
        default=_time,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )


def _same(emitted: Any, given: Any) -> bool:
    if isinstance(emitted, dict) and isinstance(given, dict):
        return emitted.keys() <= given.keys() and all(
            _same(emitted[k], v) if k in emitted else v is None for k, v in given.items()
        )
    if isinstance(emitted, list) and isinstance(given, list):
        return len(emitted) == len(given) and all(map(_same, emitted, given))
    return type(emitted) is type(given) and emitted == given


def same_wire(emitted: bytes, model: bytes) -> bool:
    """`model` (a `dump`) says what `emitted` says: the same fields and
    values, where a field the emitter left out is null in the model. A wire
    dataclass (`models.py`) has every field, so it writes out a null the
    emitter may omit (`Media.id` of a linked file); a pydantic payload keeps
    to the fields it was given."""
    return emitted == model or _same(orjson.loads(emitted), orjson.loads(model))


def to_wire(event: Event) -> bytes:
    """An event as its wire frame: byte for byte what `wire` sent."""
    return dump(event)


class UnknownEventType(ValueError):
    pass


def payload(type_: str, data: Mapping[str, Any]) -> Payload:
    """`data` of an event of `type_` as its model. Raises `UnknownEventType`
    for a type without a model, `ValueError` when the data does not match."""
    model = PAYLOADS.get(type_)
    if model is None:
        raise UnknownEventType(f"no model for event type {type_!r}")
    if issubclass(model, BaseModel):
        return model.model_validate(data)
    checked: Payload = _adapter(model).validate_python(data)
    return checked


def envelope(id_: int, type_: str, at: datetime, data: Payload | Mapping[str, Any]) -> Event:
    """The envelope of an event whose data is already checked (`payload`), or
    a `GenericEvent` when `data` is a plain mapping. Does not validate again."""
    if not isinstance(data, Mapping):
        cls = ENVELOPES.get(type_)
        if cls is not None:
            return cls.model_construct(id=id_, type=type_, at=at, data=data)
    plain = dict(data) if isinstance(data, Mapping) else _plain(data)
    return GenericEvent.model_construct(id=id_, type=type_, at=at, data=plain)


def typed(id_: int, type_: str, at: datetime, data: Payload | Mapping[str, Any]) -> Event:
    """The typed event of what a store emitted: its payload model as it is,
    a dict checked against the model of its type (`GenericEvent`, logged,
    when the type has none or the data does not match)."""
    if not isinstance(data, Mapping):
        return envelope(id_, type_, at, data)
    return parse_event({"id": id_, "type": type_, "at": at, "data": data})
