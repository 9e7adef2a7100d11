"""Agents' endpoints (token role `agent`): presence, replies, calls, SMS,
callbacks."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, WebSocket
from starlette.responses import Response

from chatsup.domain import rules
from chatsup.domain.inputs import CallbackIn, CallIn, CallPatch, MessageIn, PresenceIn, SmsIn
from chatsup.domain.models import END_REASONS
from chatsup.server import chat, live_sockets
from chatsup.server.auth import Principal, require
from chatsup.server.errors import ApiError
from chatsup.server.params import PathId, check_model, json
from chatsup.server.state import app_state
from chatsup.server.store import BadInput, agent_desk, agents
from chatsup.server.store import calls as calls_store
from chatsup.server.store import conversations as conversations_store
from chatsup.server.store.calls import call_row

router = APIRouter(tags=["agent"])


async def agent(request: Request) -> Principal:
    return await require(request, "agent")


@router.get("/v1/agent/me")
async def me(request: Request) -> Response:
    """The advisor the token belongs to: `{id, name, email, presence}`."""
    p = await agent(request)
    return json(await request.app.state.store.read(agent_desk.agent_me, p.subject_id))


@router.get("/v1/agent/conversations")
async def desk(
    request: Request,
    scope: str = Query("open", max_length=16, description="open, waiting or mine"),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=512),
) -> Response:
    """Conversations not ended: `waiting` (a visitor wrote, no advisor
    answered yet), `mine` (this advisor's), or `open` (both). Newest first,
    items as `GET /v1/conversations`."""
    p = await agent(request)
    return json(
        await request.app.state.store.read(
            agent_desk.desk_conversations, p.subject_id, scope, limit, cursor
        )
    )


@router.get("/v1/agent/conversations/{conversation_id}")
async def desk_conversation(conversation_id: PathId, request: Request) -> Response:
    """One conversation not held by another advisor: `{conversation,
    messages, visitor, profile, session, page_views, visits}` (the session
    the chat belongs to, without the IP address)."""
    p = await agent(request)
    assert p.subject_id is not None  # an agent token always names its agent
    out = await request.app.state.store.read(agent_desk.desk_conversation, conversation_id)
    holder = out["conversation"]["agent"]
    holder_id = holder["id"] if holder is not None else None
    if not rules.may_handle(p.subject_id, holder_id):
        raise ApiError(403, "forbidden", "another advisor holds this conversation")
    if not rules.sees_note(p.subject_id, holder_id):
        out["messages"] = [m for m in out["messages"] if not m["internal"]]
    return json(out)


@router.post("/v1/agent/presence", status_code=204)
async def presence(body: PresenceIn, request: Request) -> Response:
    p = await agent(request)
    await request.app.state.store.write(agents.set_presence, p.subject_id, body.status)
    return Response(status_code=204)


@router.post("/v1/agent/conversations/{conversation_id}/messages", status_code=201)
async def reply(conversation_id: PathId, body: MessageIn, request: Request) -> Response:
    """The first agent message assigns the conversation if unassigned."""
    p = await agent(request)
    state = app_state(request)
    out = await chat.send_agent_message(
        state.store, state.settings.server.max_body_chars, p, conversation_id, body
    )
    return json(out, 201)


@router.post("/v1/agent/conversations/{conversation_id}/end", status_code=200)
async def end(conversation_id: PathId, request: Request) -> Response:
    """Ends a chat this advisor holds or nobody holds; another's: 403."""
    p = await agent(request)
    ended = await request.app.state.store.write(
        conversations_store.end_as_agent, p.subject_id, conversation_id
    )
    return json({"conversation_id": conversation_id, "ended": ended})


@router.post("/v1/calls", status_code=201)
async def start_call(body: CallIn, request: Request) -> Response:
    p = await agent(request)
    store = request.app.state.store
    cid = await store.write(
        calls_store.start_call, body.visitor_id, p.subject_id, body.conversation_id
    )
    return json(await store.read(call_row, cid), 201)


@router.patch("/v1/calls/{call_id}")
async def update_call(call_id: PathId, body: CallPatch, request: Request) -> Response:
    """ringing → answered/missed/rejected/failed; answered → ended/failed.
    The server times the call. Only the agent's own calls (or one nobody
    holds): another agent's is a 403."""
    p = await agent(request)
    check_model(body)
    if body.end_reason is not None and body.end_reason not in END_REASONS:
        raise BadInput("end_reason", f"must be one of {', '.join(END_REASONS)}")
    store = request.app.state.store
    await store.write(calls_store.update_call, call_id, body.state, body.end_reason, p.subject_id)
    return json(await store.read(call_row, call_id))


@router.post("/v1/sms", status_code=201)
async def sms(body: SmsIn, request: Request) -> Response:
    p = await agent(request)
    check_model(body)
    sid = await request.app.state.store.write(
        calls_store.add_sms, body.visitor_id, p.subject_id, body.phone, body.body
    )
    return json({"id": sid}, 201)


@router.post("/v1/callbacks", status_code=201)
async def callback(body: CallbackIn, request: Request) -> Response:
    p = await agent(request)
    check_model(body)
    when = body.scheduled_for.timestamp() if body.scheduled_for else None
    cid = await request.app.state.store.write(
        calls_store.add_callback, body.visitor_id, p.subject_id, body.phone, when
    )
    return json({"id": cid}, 201)


@router.websocket("/v1/agent/ws")
async def agent_ws(ws: WebSocket) -> None:
    await live_sockets.agent_socket(ws)
