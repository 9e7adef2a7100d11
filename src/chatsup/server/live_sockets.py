"""The three WebSockets: supervisors' live stream, visitors' and agents' chat.

Frames from clients are JSON objects. A binary frame closes the socket with
1003, text that is not a JSON object with 1007; a bad message (a field
error) is answered with `{"type": "error", ...}` and the socket stays open.

Back-pressure: a supervisor's or an agent's socket that falls behind the
hub's queue catches up in place from the event log; a visitor's is closed
with 4000 `lagged` (its widget reconnects). A socket whose token is revoked
is closed with 1008 `revoked` within about a second (socket_guard.py).

Who gets what: an agent's socket carries the events of the chats it holds
or nobody holds (`rules.may_handle`), a supervisor's note to the holder only
(`rules.sees_note`); a visitor's socket carries the answers of its chats
(`rules.reaches_visitor`: never a note) and their end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chatsup.domain import rules
from chatsup.domain.events import (
    ConversationAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    MessageCreated,
    OfflineMessageCreated,
)
from chatsup.domain.inputs import MessageIn
from chatsup.domain.models import Ref
from chatsup.server import chat
from chatsup.server.auth import Principal, bearer
from chatsup.server.errors import ApiError
from chatsup.server.hub import EventQueue, Hub, Published, Subscriber
from chatsup.server.state import AppState, app_state
from chatsup.server.store import BadInput, Forbidden, NotFound, agent_connections
from chatsup.server.store import agents as agents_store
from chatsup.server.store.events import events_after, log_bounds
from chatsup.server.ws_protocol import FRAMES, text_frame

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
REPLAY_CHUNK = 1000
LAGGED = 4000  # a visitor's socket fell behind its queue: closed, the widget reconnects
# A chat socket's messages awaiting their commit at once; past it the socket
# is not read until the oldest is answered
IN_FLIGHT = 16

Accept = Callable[[Published], bool]
# A chat socket's message frame: checked (raises a refusal) and its write
# queued now; answers the future of the store's answer (chat.IDS in it)
Handler = Callable[[dict[str, Any]], "asyncio.Future[dict[str, Any]]"]


def _write_now(ws: WebSocket, frame: bytes) -> bool:
    """Queue a pre-built frame on the socket's protocol now; False when it
    cannot go this way (see `_send`)."""
    proto = ws.scope.get("extensions", {}).get(FRAMES)
    return (
        proto is not None
        and ws.application_state == WebSocketState.CONNECTED
        and bool(proto.write_frame(frame))
    )


async def _send(ws: WebSocket, text: bytes, frame: bytes | None = None) -> None:
    """Send a text frame: queued on the socket's protocol directly when it
    takes pre-built frames (ws_protocol.py; `frame`: `text` already framed,
    e.g. an event's for every supervisor), else through Starlette."""
    proto = ws.scope.get("extensions", {}).get(FRAMES)
    if (
        proto is not None
        and ws.application_state == WebSocketState.CONNECTED
        and proto.write_frame(text_frame(text) if frame is None else frame)
    ):
        return
    await ws.send_text(text.decode())


async def _send_events(ws: WebSocket, pubs: list[Published]) -> None:
    """Events in order: their frames in one write where the protocol takes
    pre-built frames, else one `send_text` each."""
    if len(pubs) == 1:
        await _send(ws, pubs[0].wire, pubs[0].frame)
        return
    if not pubs:
        return
    proto = ws.scope.get("extensions", {}).get(FRAMES)
    if (
        proto is not None
        and ws.application_state == WebSocketState.CONNECTED
        and proto.write_frame(b"".join(pub.frame for pub in pubs))
    ):
        return
    for pub in pubs:
        await ws.send_text(pub.wire.decode())


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


@contextlib.contextmanager
def _guarded(ws: WebSocket) -> Any:
    """While open, the socket is closed if its token is revoked."""
    guard = app_state(ws).guard
    token = bearer(ws)
    assert token is not None  # _authenticate accepted it
    key = guard.watch(token, ws)
    try:
        yield
    finally:
        guard.forget(key, ws)


class Quiet:
    """When a socket has been silent for `after` seconds: `due` turns true
    and `queue` is woken (`EventQueue.wake`). `sent()` marks a frame sent.
    One timer a socket, set again only when it fires (at the last frame
    sent plus `after`), not one set and cancelled an event (a timeout scope
    around each wait was a timer pushed on the loop's heap and cancelled
    for every event on every supervisor's socket)."""

    __slots__ = ("_after", "_handle", "_loop", "_queue", "due", "last")

    def __init__(self, queue: EventQueue, after: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = queue
        self._after = after
        self.last = self._loop.time()
        self.due = False
        self._handle = self._loop.call_at(self.last + after, self._check)

    def sent(self) -> None:
        self.last = self._loop.time()
        self.due = False

    def _check(self) -> None:
        at = self.last + self._after
        if self._loop.time() >= at:
            self.due = True
            self._queue.wake()
            at = self._loop.time() + self._after  # (again, should nothing be sent)
        self._handle = self._loop.call_at(at, self._check)

    def cancel(self) -> None:
        self._handle.cancel()


def _after(ws: WebSocket) -> int | None:
    """`?after=ID`: None when absent; raises ValueError when not an id."""
    raw = ws.query_params.get("after")
    if raw is None:
        return None
    return int(raw)  # out of the log's range: a `resync` frame (see _stream)


# -- supervisors: WS /v1/live?after=ID -----------------------------------------


async def live_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "supervisor")
    if p is None:
        return
    try:
        after = _after(ws) or 0
    except ValueError:
        await ws.close(code=1008, reason="after must be an integer")
        return
    await ws.accept()
    hub: Hub = ws.app.state.hub
    sub = hub.subscribe()
    reader = asyncio.create_task(_drain(ws))
    writer = asyncio.create_task(_stream(ws, sub, after, hub.latest_id))
    with _guarded(ws):
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


def _published(e: dict[str, Any]) -> Published:
    """An event read from the log as the hub hands it out (to filter it)."""
    return Published(e["id"], e["type"], datetime.fromisoformat(e["at"]), e["data"], b"")


async def _replay(
    ws: WebSocket, last: int, upto: int | None = None, accept: Accept | None = None
) -> int:
    """Send the logged events after `last` (before `upto`) that `accept`
    takes; returns the id of the last event looked at (sent or not)."""
    store = ws.app.state.store
    while True:
        batch = await store.read(events_after, last, REPLAY_CHUNK)
        for e in batch:
            if upto is not None and e["id"] >= upto:
                return last
            if accept is None or accept(_published(e)):
                await _send(ws, orjson.dumps(e))
            last = e["id"]
        if len(batch) < REPLAY_CHUNK:
            return last


async def _stream(
    ws: WebSocket, sub: Subscriber, after: int | None, now: int, accept: Accept | None = None
) -> None:
    """The events after `after` from the log, then live; `after` None: live
    from `now` (the hub's latest id when `sub` subscribed) on. Falling behind
    the queue (`sub.lagged`) takes the gap from the log, in place. With
    `accept` (the hub's filter of `sub`), ids are not consecutive: `last` is
    the last id looked at, and only the log tells what lies in a gap."""
    store = ws.app.state.store
    if after is None:
        last = now
    else:
        pruned, latest = await store.read(log_bounds)
        last = after
        if after < pruned or after > latest:
            # the log no longer holds what follows `after` (or never did)
            frame = {"type": "resync", "oldest_id": pruned + 1, "latest_id": latest}
            await ws.send_text(orjson.dumps(frame).decode())
            last = latest
        last = await _replay(ws, last, accept=accept)
    quiet = Quiet(sub.queue, HEARTBEAT_S)
    try:
        await _live(ws, sub, last, accept, quiet)
    finally:
        sub.direct = None
        quiet.cancel()


class _Parked:
    """A supervisor's stream parked on its empty queue: the hub hands it
    the next event (`Subscriber.direct`), written at once in the publishing
    callback, when it follows the last one sent and the socket takes it
    (no wake-up of the stream's task, no future, no turn of the loop);
    anything else is queued and the task takes it as before."""

    __slots__ = ("last", "quiet", "ws")

    def __init__(self, ws: WebSocket, last: int, quiet: Quiet) -> None:
        self.ws = ws
        self.last = last
        self.quiet = quiet

    def send(self, pub: Published) -> bool:
        if pub.id != self.last + 1 or not _write_now(self.ws, pub.frame):
            return False
        self.last = pub.id
        self.quiet.sent()
        return True


async def _live(
    ws: WebSocket, sub: Subscriber, last: int, accept: Accept | None, quiet: Quiet
) -> None:
    """`_stream` past the replay: the hub's events as they come, a
    heartbeat after HEARTBEAT_S without a frame. A supervisor's stream
    (every event, `accept` None) takes them in the hub's callback while
    it waits (`_Parked`)."""
    parked = _Parked(ws, last, quiet) if accept is None else None
    while ws.client_state == WebSocketState.CONNECTED:
        if sub.lagged:
            # fell behind the in-memory queue: take the gap from the log
            while not sub.queue.empty():
                sub.queue.get_nowait()
            sub.lagged = False
            last = await _replay(ws, last, accept=accept)
            quiet.sent()
            continue
        if sub.queue.empty():
            if parked is None:
                await sub.queue.wait()  # (no timer, no task an event: `Quiet`)
            else:
                parked.last = last
                sub.direct = parked.send  # only while waiting: nothing else in flight
                try:
                    await sub.queue.wait()
                finally:
                    sub.direct = None
                last = parked.last
            if sub.queue.empty():  # woken by `quiet`, or lagged
                if quiet.due:
                    quiet.sent()
                    await ws.send_text('{"type":"heartbeat"}')
                continue
        pub = sub.queue.get_nowait()
        # this event and those queued behind it, sent in one write
        batch: list[Published] = []
        while True:
            if pub.id > last:
                if accept is None and pub.id > last + 1:
                    await _send_events(ws, batch)
                    batch = []
                    last = await _replay(ws, last, upto=pub.id)
                batch.append(pub)
                last = pub.id
            if sub.lagged or sub.queue.empty():
                break
            pub = sub.queue.get_nowait()
        if batch:
            quiet.sent()
        await _send_events(ws, batch)


# -- frames from visitors and agents ------------------------------------------


class _BadFrame(Exception):
    """A frame that closes the socket (after the replies before it)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def _frames(ws: WebSocket) -> Any:
    """Yield JSON objects from the socket; raise `_BadFrame` on a malformed one."""
    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return
        if msg.get("bytes") is not None:
            raise _BadFrame(1003, "text frames only")
        try:
            data = orjson.loads(msg.get("text") or "")
        except orjson.JSONDecodeError:
            raise _BadFrame(1007, "frames must be JSON objects") from None
        if not isinstance(data, dict):
            raise _BadFrame(1007, "frames must be JSON objects")
        yield data


def _error_frame(code: str, message: str, field: str | None, client_id: Any = None) -> bytes:
    return orjson.dumps(
        {"type": "error", "code": code, "message": message, "field": field, "client_id": client_id}
    )


def _refusal(e: BaseException, client_id: Any) -> bytes | None:
    """A message's error frame for a refusal (the socket stays open); None
    for anything else (a fault: the socket ends, `_send_replies`)."""
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        field = ".".join(str(x) for x in err.get("loc", ())) or "body"
        return _error_frame("invalid", f"{field}: {err.get('msg')}", field, client_id)
    if isinstance(e, BadInput):
        return _error_frame("invalid", f"{e.field}: {e.message}", e.field, client_id)
    if isinstance(e, NotFound):
        return _error_frame("not_found", str(e), None, client_id)
    if isinstance(e, Forbidden):
        return _error_frame("forbidden", e.message, None, client_id)
    if isinstance(e, ApiError):
        return _error_frame(e.code, e.message, e.field, client_id)
    return None


def _acked(reply: asyncio.Future[bytes], client_id: Any, done: asyncio.Future[Any]) -> None:
    """A message's write settled: its reply is its ack (its ids) or its error."""
    if reply.done():
        return
    if done.cancelled():
        reply.cancel()
        return
    e = done.exception()
    if e is None:
        out = done.result()
        reply.set_result(
            orjson.dumps({"type": "ack", "client_id": client_id, **{k: out[k] for k in chat.IDS}})
        )
        return
    frame = _refusal(e, client_id)
    if frame is None:
        reply.set_exception(e)
        reply.add_done_callback(_retrieve)  # (only here: no callback an ack)
    else:
        reply.set_result(frame)


async def _pump(ws: WebSocket, sub: Subscriber) -> None:
    """A visitor's events, live; fallen behind, the socket closes with 4000
    `lagged` (never left silent): the widget reconnects."""
    while True:
        if sub.lagged:
            await ws.close(code=LAGGED, reason="lagged")
            return
        pub = await sub.queue.get()
        await _send(ws, pub.wire, pub.frame)


def _ready(frame: bytes | BaseException) -> asyncio.Future[bytes]:
    fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    if isinstance(frame, BaseException):
        fut.set_exception(frame)
        fut.add_done_callback(_retrieve)
    else:
        fut.set_result(frame)
    return fut


def _retrieve(task: asyncio.Future[bytes]) -> None:
    """(A reply nobody sends any more: its outcome is dropped, not logged.)"""
    if not task.cancelled():
        task.exception()


async def _read_requests(
    ws: WebSocket, handler: Handler, replies: asyncio.Queue[asyncio.Future[bytes]]
) -> None:
    """Each frame's reply, in the order the frames came. A message does not
    wait for the commit of the one before it: its write is queued at once
    (`_reply`), so up to IN_FLIGHT messages of one socket share the writer's
    batches. They are stored in the order they came, and their replies are
    sent in that order too (`_send_replies`)."""
    try:
        async for data in _frames(ws):
            await replies.put(_reply(data, handler))  # IN_FLIGHT waiting: reading waits
    except _BadFrame as bad:
        await replies.join()  # the replies of the frames before it go first
        await ws.close(code=bad.code, reason=bad.reason)


def _reply(data: dict[str, Any], handler: Handler) -> asyncio.Future[bytes]:
    """A frame's reply, a future: a message is checked and its write queued
    now (`handler`), and its reply is set as the write settles (`_acked`):
    no task a message."""
    kind = data.get("type")
    if kind == "message":
        client_id = data.get("client_id")
        try:
            pending = handler(data)
        except Exception as e:
            frame = _refusal(e, client_id)
            return _ready(e if frame is None else frame)
        reply: asyncio.Future[bytes] = pending.get_loop().create_future()
        pending.add_done_callback(functools.partial(_acked, reply, client_id))
        return reply
    if kind == "ping":
        return _ready(b'{"type":"pong"}')
    return _ready(
        _error_frame("invalid", "type: must be message or ping", "type", data.get("client_id"))
    )


async def _send_replies(ws: WebSocket, replies: asyncio.Queue[asyncio.Future[bytes]]) -> None:
    while True:
        reply = await replies.get()
        await _send(ws, await reply)
        replies.task_done()


async def _serve_chat(
    ws: WebSocket, sub: Subscriber, handler: Handler, writer: Coroutine[Any, Any, None]
) -> None:
    hub: Hub = ws.app.state.hub
    pump = asyncio.create_task(writer)
    replies: asyncio.Queue[asyncio.Future[bytes]] = asyncio.Queue(IN_FLIGHT)
    reader = asyncio.create_task(_read_requests(ws, handler, replies))
    sender = asyncio.create_task(_send_replies(ws, replies))
    try:
        with _guarded(ws):
            # the peer left or the socket was closed (reader), or a reply
            # could not be sent (sender): either ends both
            await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.unsubscribe(sub)
        for task in (reader, sender, pump):
            task.cancel()
        for task in (reader, sender, pump):
            with contextlib.suppress(
                asyncio.CancelledError, WebSocketDisconnect, RuntimeError, ConnectionError
            ):
                await task


def _now(state: AppState) -> int:
    """Where a chat socket opened now starts: past every event published, and
    past every event this process committed before (a write whose answer the
    client already has; on PostgreSQL the feed may not have published it yet)."""
    return max(state.hub.latest_id, state.store.committed_event_id)


async def _accept(ws: WebSocket, sub: Subscriber) -> None:
    """End the handshake of a chat socket already subscribed (`sub`): what
    commits once the client sees the socket open reaches it."""
    try:
        await ws.accept()
    except BaseException:
        app_state(ws).hub.unsubscribe(sub)
        raise


# -- visitors: WS /v1/widget/ws ------------------------------------------------


async def visitor_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "visitor")
    if p is None:
        return
    state = app_state(ws)
    vid = p.subject_id
    max_chars = state.settings.server.max_body_chars

    def mine(pub: Published) -> bool:
        # from the payload as emitted and the visitor id the store carried:
        # the visitor's own messages (most) are not typed to be dropped
        if pub.type == "message.created":
            d = pub.data
            return rules.reaches_visitor(d["sender"], bool(d.get("internal"))) and (
                pub.visitor_id == vid
            )
        return pub.type == "conversation.ended" and pub.visitor_id == vid

    def send(data: dict[str, Any]) -> asyncio.Future[dict[str, Any]]:
        body = MessageIn.model_validate({k: v for k, v in data.items() if k != "type"})
        state.visitor_limiter.hit(str(vid), "visitor")
        return chat.visitor_message_soon(state.store, max_chars, p, body)

    sub = state.hub.subscribe(mine, visitor_id=vid, floor=_now(state))
    await _accept(ws, sub)
    await _serve_chat(ws, sub, send, _pump(ws, sub))


# -- agents: WS /v1/agent/ws -----------------------------------------------------


AGENT_EVENTS = {
    "conversation.started",
    "conversation.assigned",
    "conversation.ended",
    "offline_message.created",
    "message.created",
}


def _holder(ref: Ref | None) -> int | None:
    return ref.id if ref is not None else None


def agent_sees(agent_id: int, e: Event) -> bool:
    """Whether an advisor's socket carries this event: the chats it holds or
    nobody holds (`rules.may_handle`, as its HTTP reads and writes), a note
    only in a chat it holds; a transfer reaches the new holder and the one
    the chat left (everyone, when it left the waiting list)."""
    if isinstance(e, MessageCreated):
        holder = _holder(e.data.conversation.agent)
        if e.data.internal:
            return rules.sees_note(agent_id, holder)
        return rules.may_handle(agent_id, holder)
    if isinstance(e, ConversationAssigned):
        return rules.may_handle(agent_id, _holder(e.data.agent)) or rules.may_handle(
            agent_id, _holder(e.data.previous_agent)
        )
    if isinstance(e, ConversationStarted | ConversationEnded):
        item = e.conversation
        return item is not None and rules.may_handle(agent_id, _holder(item.agent))
    return isinstance(e, OfflineMessageCreated)


async def _agent_presence(state: AppState, aid: int, *, online: bool) -> None:
    """This process's first socket of the agent opened, or its last closed:
    on SQLite the agent's presence; on PostgreSQL, counted over every
    process (store/agent_connections.py)."""
    st = state.settings.store
    if st.url is None:
        await state.store.write(agents_store.set_presence, aid, "online" if online else "offline")
    else:
        fn = agent_connections.connected if online else agent_connections.disconnected
        chain = agent_connections.presence_chain(st.instance_name)
        await state.store.write(fn, st.instance_name, aid, chain=chain)


# Waits between tries of an agent's offline write that failed (the store
# busy, a lock held too long, the connection dropped): ~2 min in all
OFFLINE_RETRY_S = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
_retrying: set[asyncio.Task[None]] = set()  # (held: a task nobody holds may be collected)


async def _agent_gone(state: AppState, aid: int) -> None:
    """This process's last socket of the agent closed: offline (store/
    agent_connections.py on PostgreSQL). A failed write is tried again apart
    from the socket's handler (the server's stop does not wait for it), or
    the agent would stay online with no socket until a restart."""
    try:
        await _agent_presence(state, aid, online=False)
    except RuntimeError:  # the store is closed: the server stops
        return
    except Exception as e:
        log.warning("agent %d: offline write failed (%s): tried again", aid, e)
        task = asyncio.create_task(_offline_again(state, aid))
        _retrying.add(task)
        task.add_done_callback(_retrying.discard)


async def _offline_again(state: AppState, aid: int) -> None:
    """Try the offline write again, waiting longer each time; stop when a
    socket of the agent opens here again (online by right then), or the
    store closes (the server stops: at its next start, or on PostgreSQL at
    the leader's reap of a silent process, presence is set right)."""
    for i, wait in enumerate(OFFLINE_RETRY_S):
        await asyncio.sleep(wait)
        if state.agent_sockets.get(aid):
            return
        try:
            await _agent_presence(state, aid, online=False)
            log.info("agent %d: offline write done at try %d", aid, i + 2)
            return
        except RuntimeError:
            return
        except Exception as e:
            last = e
    log.error("agent %d left online: its offline write kept failing (%s)", aid, last)


async def agent_socket(ws: WebSocket) -> None:
    p = await _authenticate(ws, "agent")
    if p is None:
        return
    try:
        after = _after(ws)
    except ValueError:
        await ws.close(code=1008, reason="after must be an integer")
        return
    state = app_state(ws)
    aid = p.subject_id
    assert aid is not None  # an agent token always names its agent
    max_chars = state.settings.server.max_body_chars

    def relevant(pub: Published) -> bool:
        return pub.type in AGENT_EVENTS and agent_sees(aid, pub.event)

    def send(data: dict[str, Any]) -> asyncio.Future[dict[str, Any]]:
        cid = data.get("conversation_id")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise BadInput("conversation_id", "must be an integer")
        body = MessageIn.model_validate(
            {k: v for k, v in data.items() if k not in ("type", "conversation_id")}
        )
        return chat.agent_message_soon(state.store, max_chars, p, cid, body)

    # subscribed before the handshake ends (and before the presence write):
    # what commits once the client sees the socket open reaches it
    now = _now(state)
    sub = state.hub.subscribe(relevant, floor=now if after is None else 0)
    await _accept(ws, sub)
    state.agent_sockets[aid] = state.agent_sockets.get(aid, 0) + 1
    try:
        if state.agent_sockets[aid] == 1:
            await _agent_presence(state, aid, online=True)
        writer = _stream(ws, sub, after, now, relevant)
        await _serve_chat(ws, sub, send, writer)
    finally:
        state.hub.unsubscribe(sub)
        state.agent_sockets[aid] -= 1
        if state.agent_sockets[aid] == 0:
            del state.agent_sockets[aid]
            await _agent_gone(state, aid)
