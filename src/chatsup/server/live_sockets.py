"""The three WebSockets: supervisors' live stream, visitors' and agents' chat.

Frames from clients are JSON objects. A binary frame closes the socket with
1003, text that is not a JSON object with 1007; a bad message (a field
error) is answered with `{"type": "error", ...}` and the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chatsup.domain.events import ConversationEnded, MessageCreated
from chatsup.domain.inputs import MessageIn
from chatsup.server import chat
from chatsup.server.auth import Principal, bearer
from chatsup.server.errors import ApiError
from chatsup.server.hub import VISITOR_TYPES, Hub, Published, Subscriber
from chatsup.server.state import AppState, app_state
from chatsup.server.store import BadInput, NotFound, presence
from chatsup.server.store import agents as agents_store
from chatsup.server.store.events import events_after, log_bounds

HEARTBEAT_S = 15.0
REPLAY_CHUNK = 1000


async def _authenticate(ws: WebSocket, *roles: str) -> Principal | None:
    try:
        p: Principal = await ws.app.state.auth.resolve(bearer(ws))
    except ApiError:
        await ws.close(code=1008, reason="unauthorized")
        return None
    if p.role not in roles:
        await ws.close(code=1008, reason="forbidden")
        return None
    return p


# -- supervisors: WS /v1/live?after=ID -----------------------------------------


async def live_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "supervisor")
    if p is None:
        return
    try:
        after = int(ws.query_params.get("after", "0"))
    except ValueError:
        await ws.close(code=1008, reason="after must be an integer")
        return
    await ws.accept()
    hub: Hub = ws.app.state.hub
    sub = hub.subscribe()
    reader = asyncio.create_task(_drain(ws))
    writer = asyncio.create_task(_stream(ws, sub, after))
    try:
        # whichever ends first (the peer left, or sending failed) ends both
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.unsubscribe(sub)
        for task in (reader, writer):
            task.cancel()
        for task in (reader, writer):
            with contextlib.suppress(
                asyncio.CancelledError, WebSocketDisconnect, RuntimeError, ConnectionError
            ):
                await task
        with contextlib.suppress(Exception):
            await ws.close()


async def _drain(ws: WebSocket) -> None:
    """Read (and ignore) what a supervisor sends, so a close is noticed."""
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
    except Exception:
        return


async def _replay(ws: WebSocket, last: int, upto: int | None = None) -> int:
    store = ws.app.state.store
    while True:
        batch = await store.read(events_after, last, REPLAY_CHUNK)
        for e in batch:
            if upto is not None and e["id"] >= upto:
                return last
            await ws.send_text(orjson.dumps(e).decode())
            last = e["id"]
        if len(batch) < REPLAY_CHUNK:
            return last


async def _stream(ws: WebSocket, sub: Subscriber, after: int) -> None:
    store = ws.app.state.store
    pruned, latest = await store.read(log_bounds)
    last = after
    if after < pruned or after > latest:
        # the log no longer holds what follows `after` (or never did)
        await ws.send_text(
            orjson.dumps({"type": "resync", "oldest_id": pruned + 1, "latest_id": latest}).decode()
        )
        last = latest
    last = await _replay(ws, last)
    while ws.client_state == WebSocketState.CONNECTED:
        if sub.lagged:
            # fell behind the in-memory queue: take the gap from the log
            while not sub.queue.empty():
                sub.queue.get_nowait()
            sub.lagged = False
            last = await _replay(ws, last)
            continue
        try:
            pub = sub.queue.get_nowait()  # under load: no timer, no task
        except asyncio.QueueEmpty:
            try:
                pub = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await ws.send_text('{"type":"heartbeat"}')
                continue
        if pub.id <= last:
            continue
        if pub.id > last + 1:
            last = await _replay(ws, last, upto=pub.id)
        await ws.send_text(pub.wire.decode())
        last = pub.id


# -- frames from visitors and agents ------------------------------------------


async def _frames(ws: WebSocket) -> Any:
    """Yield JSON objects from the socket; close it on a malformed frame."""
    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return
        if msg.get("bytes") is not None:
            await ws.close(code=1003, reason="text frames only")
            return
        try:
            data = orjson.loads(msg.get("text") or "")
        except orjson.JSONDecodeError:
            await ws.close(code=1007, reason="frames must be JSON objects")
            return
        if not isinstance(data, dict):
            await ws.close(code=1007, reason="frames must be JSON objects")
            return
        yield data


async def _send_error(
    ws: WebSocket, code: str, message: str, field: str | None, client_id: Any = None
) -> None:
    await ws.send_text(
        orjson.dumps(
            {
                "type": "error",
                "code": code,
                "message": message,
                "field": field,
                "client_id": client_id,
            }
        ).decode()
    )


async def _handle(ws: WebSocket, data: dict[str, Any], action: Any) -> None:
    client_id = data.get("client_id")
    try:
        out = await action(data)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(x) for x in err.get("loc", ())) or "body"
        await _send_error(ws, "invalid", f"{field}: {err.get('msg')}", field, client_id)
    except BadInput as e:
        await _send_error(ws, "invalid", f"{e.field}: {e.message}", e.field, client_id)
    except NotFound as e:
        await _send_error(ws, "not_found", str(e), None, client_id)
    except ApiError as e:
        await _send_error(ws, e.code, e.message, e.field, client_id)
    else:
        await ws.send_text(orjson.dumps({"type": "ack", "client_id": client_id, **out}).decode())


async def _pump(ws: WebSocket, sub: Subscriber) -> None:
    while True:
        pub = await sub.queue.get()
        await ws.send_text(pub.wire.decode())


async def _serve_chat(ws: WebSocket, sub: Subscriber, handler: Any) -> None:
    hub: Hub = ws.app.state.hub
    pump = asyncio.create_task(_pump(ws, sub))
    try:
        async for data in _frames(ws):
            if data.get("type") == "message":
                await _handle(ws, data, handler)
            elif data.get("type") == "ping":
                await ws.send_text('{"type":"pong"}')
            else:
                await _send_error(
                    ws, "invalid", "type: must be message or ping", "type", data.get("client_id")
                )
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        hub.unsubscribe(sub)
        pump.cancel()


# -- visitors: WS /v1/widget/ws ------------------------------------------------


async def visitor_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "visitor")
    if p is None:
        return
    await ws.accept()
    state = app_state(ws)
    vid = p.subject_id
    max_chars = state.settings.server.max_body_chars

    def mine(pub: Published) -> bool:
        if pub.type not in VISITOR_TYPES:
            return False
        e = pub.event
        if isinstance(e, MessageCreated):
            return e.data.sender == "agent" and not e.data.internal and e.visitor_id == vid
        return isinstance(e, ConversationEnded) and e.visitor_id == vid

    async def send(data: dict[str, Any]) -> dict[str, Any]:
        body = MessageIn.model_validate({k: v for k, v in data.items() if k != "type"})
        state.visitor_limiter.hit(str(vid), "visitor")
        out = await chat.send_visitor_message(state.store, max_chars, p, body)
        return {k: out[k] for k in chat.IDS}

    await _serve_chat(ws, state.hub.subscribe(mine, visitor_id=vid), send)


# -- agents: WS /v1/agent/ws -----------------------------------------------------


AGENT_EVENTS = {
    "conversation.started",
    "conversation.assigned",
    "conversation.ended",
    "offline_message.created",
}


async def _agent_presence(state: AppState, aid: int, *, online: bool) -> None:
    """This process's first socket of the agent opened, or its last closed:
    on SQLite the agent's presence; on PostgreSQL, counted over every
    process (store/presence.py)."""
    st = state.settings.store
    if st.url is None:
        await state.store.write(agents_store.set_presence, aid, "online" if online else "offline")
    else:
        fn = presence.connected if online else presence.disconnected
        await state.store.write(fn, st.instance_name, aid)


async def agent_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "agent")
    if p is None:
        return
    await ws.accept()
    state = app_state(ws)
    aid = p.subject_id
    assert aid is not None  # an agent token always names its agent
    max_chars = state.settings.server.max_body_chars
    state.agent_sockets[aid] = state.agent_sockets.get(aid, 0) + 1
    if state.agent_sockets[aid] == 1:
        await _agent_presence(state, aid, online=True)

    def relevant(pub: Published) -> bool:
        if pub.type != "message.created":
            return pub.type in AGENT_EVENTS
        e = pub.event
        if isinstance(e, MessageCreated):
            return e.data.sender == "visitor" or (
                e.data.agent is not None and e.data.agent.id == aid
            )
        return False

    async def send(data: dict[str, Any]) -> dict[str, Any]:
        cid = data.get("conversation_id")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise BadInput("conversation_id", "must be an integer")
        body = MessageIn.model_validate(
            {k: v for k, v in data.items() if k not in ("type", "conversation_id")}
        )
        return await chat.send_agent_message(state.store, max_chars, p, cid, body)

    try:
        await _serve_chat(ws, state.hub.subscribe(relevant), send)
    finally:
        state.agent_sockets[aid] -= 1
        if state.agent_sockets[aid] == 0:
            del state.agent_sockets[aid]
            with contextlib.suppress(Exception):
                await _agent_presence(state, aid, online=False)
