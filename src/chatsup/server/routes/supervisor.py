"""Supervisors' endpoints: everything the console reads and edits."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket
from pydantic import TypeAdapter
from starlette.responses import Response

from chatsup.domain import models as m
from chatsup.domain.events import GenericEvent
from chatsup.domain.inputs import AssignIn, MailIn, MessageIn, NoteIn, ProfileIn, SitePatch
from chatsup.domain.labels import visitor_label
from chatsup.server import chat, live_sockets
from chatsup.server.auth import require
from chatsup.server.errors import ApiError
from chatsup.server.mail import (
    MailError,
    Transcript,
    build_transcript_email,
    deliver,
    validate_address,
)
from chatsup.server.params import PathId, check_model, clean_contact, json, list_filter
from chatsup.server.state import app_state
from chatsup.server.store import BadInput, ListFilter, conversations, visitors
from chatsup.server.store import agents as agents_store
from chatsup.server.store import calls as calls_store
from chatsup.server.store import events as event_log
from chatsup.server.store import messages as messages_store
from chatsup.server.store import offline as offline_store
from chatsup.server.store import sites as sites_store

router = APIRouter(tags=["supervisor"])
_DETAIL = TypeAdapter(m.ConversationDetail)  # the store's rows as the wire model


async def supervisor(request: Request) -> None:
    await require(request, "supervisor")


sup = [Depends(supervisor)]


@router.get("/v1/conversations", response_model=m.Page[m.ConversationItem], dependencies=sup)
async def list_conversations(request: Request, f: ListFilter = Depends(list_filter)) -> Response:
    """Every chat, newest first. With `q`: conversations with a matching
    message, newest match first, each with a `snippet` (matches in « »).
    `status`: open, ended, answered or unanswered."""
    return json(await request.app.state.store.read(conversations.list_conversations, f))


@router.get(
    "/v1/conversations/{conversation_id}", response_model=m.ConversationDetail, dependencies=sup
)
async def conversation(conversation_id: PathId, request: Request) -> Response:
    return json(
        await request.app.state.store.read(messages_store.conversation_detail, conversation_id)
    )


# -- a supervisor in a live chat (API.md v1) -------------------------------------


@router.post("/v1/conversations/{conversation_id}/notes", status_code=201, dependencies=sup)
async def note(conversation_id: PathId, body: NoteIn, request: Request) -> Response:
    """A note (a whisper) in the chat: `sender: "supervisor"`, `internal:
    true`. Supervisors and the advisor holding the chat see it; the visitor
    never does. `{conversation_id, message_id, event_id}`."""
    state = app_state(request)
    out = await chat.send_note(
        state.store, state.settings.server.max_body_chars, conversation_id, body
    )
    return json(out, 201)


@router.post("/v1/conversations/{conversation_id}/messages", status_code=201, dependencies=sup)
async def supervisor_message(
    conversation_id: PathId, body: MessageIn, request: Request
) -> Response:
    """A message to the visitor from the supervisor (`sender: "supervisor"`),
    an answer; retries with the same `client_id` store one."""
    state = app_state(request)
    out = await chat.send_supervisor_message(
        state.store, state.settings.server.max_body_chars, conversation_id, body
    )
    return json(out, 201)


@router.post("/v1/conversations/{conversation_id}/assign", dependencies=sup)
async def assign(conversation_id: PathId, body: AssignIn, request: Request) -> Response:
    """Transfer: `agent_id` holds the chat from now on (its advisor for every
    figure). Event `conversation.assigned` (with `previous_agent`); the new
    advisor's socket gets the chat. `{conversation_id, agent, previous_agent,
    event_id, changed}`; to the agent already holding it: `changed: false`."""
    check_model(body)
    out = await request.app.state.store.write(
        conversations.assign_conversation, conversation_id, body.agent_id
    )
    return json(out)


def _transcript_source(rx: Any, conversation_id: int) -> dict[str, Any]:
    return messages_store.conversation_detail(rx, conversation_id)


@router.post(
    "/v1/conversations/{conversation_id}/mail",
    status_code=202,
    response_model=m.MailResult,
    dependencies=sup,
)
async def mail(conversation_id: PathId, request: Request, body: MailIn | None = None) -> Response:
    """Mails the transcript to `to`, or to the configured supervisor address.
    Without SMTP configured, the mail is written to the outbox folder and the
    answer says where."""
    settings = request.app.state.settings
    to = (body.to if body else None) or settings.smtp.supervisor_address
    if not to:
        raise BadInput("to", "no address given and no supervisor address configured")
    try:
        to = validate_address(to)
    except ValueError as e:
        raise BadInput("to", str(e)) from e
    detail = _DETAIL.validate_python(
        await request.app.state.store.read(_transcript_source, conversation_id)
    )
    c = detail.conversation
    visitor = visitor_label(c.visitor.number) + (f" {c.visitor.name}" if c.visitor.name else "")
    t = Transcript(
        conversation_id=c.id,
        site=c.site.name,
        visitor=visitor,
        advisor=c.agent.name if c.agent else None,
        started_at=c.started_at,
        ended_at=c.ended_at,
        # a note is for the advisors: a mailed transcript may go anywhere
        messages=[msg for msg in detail.messages if not msg.internal],
    )
    msg = build_transcript_email(t, sender=settings.smtp.sender, to=to)
    try:
        result = await deliver(msg, settings.smtp)
    except MailError as e:
        raise ApiError(502, "mail_failed", str(e)) from e
    return json(dataclasses.asdict(result), 202)


@router.get("/v1/settings", response_model=m.ServerSettings, dependencies=sup)
async def server_settings(request: Request) -> Response:
    """What the console prefills: the supervisor address transcripts go to
    (empty: none configured), whether SMTP is configured (else mails land in
    the outbox folder as .eml files), and the company time zone."""
    settings = request.app.state.settings
    answer = m.ServerSettings(
        supervisor_address=settings.smtp.supervisor_address or None,
        smtp=bool(settings.smtp.host),
        timezone=settings.timezone,
    )
    return json(dataclasses.asdict(answer))


@router.get("/v1/offline-messages", response_model=m.Page[m.OfflineMessage], dependencies=sup)
async def offline_messages(request: Request, f: ListFilter = Depends(list_filter)) -> Response:
    """Messages left while no advisor was online. `agent_id` = handled by."""
    return json(await request.app.state.store.read(offline_store.list_offline, f))


@router.get("/v1/sites", dependencies=sup)
async def sites(request: Request) -> Response:
    return json({"items": await request.app.state.store.read(sites_store.list_sites)})


@router.patch("/v1/sites/{site_id}", response_model=m.Site, dependencies=sup)
async def patch_site(site_id: PathId, body: SitePatch, request: Request) -> Response:
    """Switch offline messages on or off for a site."""
    store = request.app.state.store
    await store.write(sites_store.set_site_offline, site_id, body.offline_enabled)
    return json(await store.read(sites_store.get_site, site_id))


@router.get("/v1/agents", dependencies=sup)
async def agents(request: Request) -> Response:
    return json({"items": await request.app.state.store.read(agents_store.list_agents)})


@router.get("/v1/calls", response_model=m.CallPage, dependencies=sup)
async def calls(request: Request, f: ListFilter = Depends(list_filter)) -> Response:
    """The call log with a summary of everything the filters select.
    Duration is talk time (answered → ended); `status` filters on state."""
    return json(await request.app.state.store.read(calls_store.list_calls, f))


@router.get("/v1/visitors", response_model=m.Page[m.VisitorItem], dependencies=sup)
async def list_visitors(request: Request, f: ListFilter = Depends(list_filter)) -> Response:
    """Most recently seen first. Date range, `agent_id` (presented) and
    `site_id` select visitors with a session matching them."""
    return json(await request.app.state.store.read(visitors.list_visitors, f))


@router.get("/v1/visitors/{visitor_id}", response_model=m.VisitorDetail, dependencies=sup)
async def visitor(visitor_id: PathId, request: Request) -> Response:
    """Session details: profile, sessions, page views, discussions, media,
    location."""
    return json(await request.app.state.store.read(visitors.visitor_detail, visitor_id))


def _clean_profile(body: ProfileIn) -> dict[str, str | None]:
    check_model(body)
    out: dict[str, str | None] = {}
    for k, v in body.model_dump().items():
        v = v.strip() if isinstance(v, str) else v
        out[k] = v or None
    out["email"] = clean_contact("email", out["email"])
    out["phone"] = clean_contact("phone", out["phone"])
    for k in ("name",):
        v = out[k]
        if v and any(c in v for c in "\r\n"):
            raise BadInput(k, "must be one line")
    if not any(out.values()):
        raise BadInput("name", "a profile needs at least one of name, email, phone, notes")
    return out


@router.put("/v1/visitors/{visitor_id}/profile", response_model=m.Profile, dependencies=sup)
async def put_profile(visitor_id: PathId, body: ProfileIn, request: Request) -> Response:
    """Create or edit a profile. A bad email or phone is a 422 naming it."""
    fields = _clean_profile(body)
    return json(await request.app.state.store.write(visitors.put_profile, visitor_id, fields))


@router.delete("/v1/visitors/{visitor_id}/profile", status_code=204, dependencies=sup)
async def delete_profile(visitor_id: PathId, request: Request) -> Response:
    """Remove a profile; the visitor stays, anonymous."""
    await request.app.state.store.write(visitors.delete_profile, visitor_id)
    return Response(status_code=204)


@router.get("/v1/contacts", response_model=m.Page[m.Contact], dependencies=sup)
async def contacts(request: Request, f: ListFilter = Depends(list_filter)) -> Response:
    """Visitors with a profile, most recently edited first; `q` searches
    name, email, phone and notes."""
    return json(await request.app.state.store.read(visitors.list_contacts, f))


@router.get("/v1/events", response_model=m.Page[GenericEvent], dependencies=sup)
async def events(
    request: Request,
    after: int = Query(0, ge=0, le=2**63 - 1),
    limit: int = Query(100, ge=1, le=5000),
) -> Response:
    """The event log, oldest first."""
    items = await request.app.state.store.read(event_log.events_after, after, limit)
    nxt = str(items[-1]["id"]) if len(items) == limit else None
    # `latest_id`: where a client that wants only what happens from now on starts
    return json({"items": items, "next_cursor": nxt, "latest_id": request.app.state.hub.latest_id})


@router.websocket("/v1/live")
async def live(ws: WebSocket) -> None:
    """Every event after `after`, replayed from the log, then live."""
    await live_sockets.live_socket(ws)
