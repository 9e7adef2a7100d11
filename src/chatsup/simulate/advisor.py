"""A simulated advisor: follows its shift (connected on `/v1/agent/ws` while
online or away, which is what makes it online; away and back through
`/v1/agent/presence`), watches visitor messages arrive on its socket, and
answers the conversations the desk gives it after realistic delays, then may
call the visitor, text them, book a callback, and ends the conversation."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from chatsup.client import AgentClient
from chatsup.domain.events import MessageCreated
from chatsup.domain.models import Presence
from chatsup.simulate.desk import Chat, Desk
from chatsup.simulate.net import frame, open_socket
from chatsup.simulate.plan import CallPlan, Shift
from chatsup.simulate.report import ANSWERED, ENDED
from chatsup.simulate.runtime import Runtime

RECENT = 2048  # visitor messages remembered for conversations not (yet) ours
RECONNECT_S = 5.0  # realistic seconds between tries when the socket fails


class Advisor:
    def __init__(self, rt: Runtime, desk: Desk, index: int, token: str, shift: Shift) -> None:
        self.rt = rt
        self.desk = desk
        self.index = index
        self.token = token
        self.shift = shift
        self.api = AgentClient(rt.url, token)
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.presence: Presence = "offline"
        self.chats: dict[int, Chat] = {}
        self.recent: OrderedDict[int, int] = OrderedDict()
        desk.takers.append(self.take)

    # -- the shift -------------------------------------------------------------

    async def run(self) -> None:
        try:
            while self.rt.running:
                want, until = self.shift.state_at(self.rt.clock())
                ok = await self._become(want)
                self.desk.online[self.index] = self.presence == "online"
                until = until if ok else min(until, self.rt.clock() + RECONNECT_S)
                also = (self.reader,) if self.reader is not None else ()
                await self.rt.sleep_until(until, *also)
                if self.reader is not None and self.reader.done():
                    # the socket dropped (the server set us offline): retry later
                    self.reader = self.ws = None
                    self.presence = "offline"
                    self.desk.online[self.index] = False
                    await self.rt.sleep(RECONNECT_S)
        finally:
            self.desk.online[self.index] = False
            await self._disconnect()
            await self.api.aclose()

    async def _become(self, want: Presence) -> bool:
        rep = self.rt.report
        if want == "offline":
            if self.ws is not None:
                await self._disconnect()
                rep.presence_changes += 1
            self.presence = "offline"
            return True
        if self.ws is None:
            try:
                self.ws = await open_socket(self.rt.url, "/v1/agent/ws", self.token)
            except (OSError, TimeoutError, WebSocketException) as e:
                rep.errors[f"agent socket: {type(e).__name__}"] += 1
                return False
            rep.agent_connects += 1
            rep.presence_changes += 1
            self.presence = "online"  # the server's doing, on connect
            self.reader = asyncio.create_task(self._read(self.ws))
        if want != self.presence:
            if not await self.rt.ok("presence", self.api.presence(want)):
                return False
            rep.presence_changes += 1
            self.presence = want
        return True

    async def _disconnect(self) -> None:
        ws, reader = self.ws, self.reader
        self.ws = self.reader = None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 5)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _read(self, ws: ClientConnection) -> None:
        rep = self.rt.report
        with contextlib.suppress(WebSocketException, OSError):
            async for raw in ws:
                rep.ws_frames += 1
                e = frame(raw)
                if isinstance(e, MessageCreated) and e.data.sender == "visitor":
                    self._saw(e.data.conversation_id)

    def _saw(self, cid: int) -> None:
        chat = self.chats.get(cid)
        if chat is not None:
            chat.saw_message()
            return
        self.recent[cid] = self.recent.get(cid, 0) + 1
        self.recent.move_to_end(cid)
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)

    # -- conversations -----------------------------------------------------------

    def take(self, chat: Chat) -> None:
        chat.seen += self.recent.pop(chat.cid, 0)
        self.chats[chat.cid] = chat
        self.rt.spawn("advisor chat", self._handle(chat))

    async def _seen(self, chat: Chat, n: int, patience_s: float) -> bool:
        """Wait until the socket showed `n` visitor messages of `chat`."""
        deadline = self.rt.clock() + patience_s
        while chat.seen < n and self.rt.running and self.rt.clock() < deadline:
            await self.rt.sleep_until(deadline, chat.signal.future())
        return chat.seen >= n

    async def _handle(self, chat: Chat) -> None:
        rt, rep, p = self.rt, self.rt.report, chat.plan
        try:
            for k, text in enumerate(p.replies):
                if k == 0:
                    await self._seen(chat, 1, p.first_reply_s)
                    ok = await rt.sleep(p.first_reply_s)
                else:
                    if not await self._seen(chat, k + 1, p.patience_s):
                        break  # the visitor went quiet
                    ok = await rt.sleep(p.reply_s[k - 1])
                if not ok:
                    return
                if await rt.call("reply", self.api.reply(chat.cid, text)) is None:
                    return
                rep.agent_messages += 1
                rep.conversation(chat.cid, ANSWERED)
            if not rt.running:
                return
            if p.call is not None:
                rt.spawn("call", self._call(chat, p.call))
            if (
                p.sms is not None
                and await rt.call("sms", self.api.sms(chat.visitor_id, p.phone, p.sms)) is not None
            ):
                rep.sms += 1
            if p.callback_in_h is not None:
                when = datetime.now(UTC) + timedelta(hours=p.callback_in_h)
                if (
                    await rt.call("callback", self.api.callback(chat.visitor_id, p.phone, when))
                    is not None
                ):
                    rep.callbacks += 1
            if p.end and await rt.sleep(p.end_after_s):
                out: dict[str, Any] | None = await rt.call(
                    "end", self.api.end_conversation(chat.cid)
                )
                if out is not None and out.get("ended"):
                    rep.conversation(chat.cid, ENDED)
        finally:
            self.chats.pop(chat.cid, None)
            self.desk.done(chat.cid)

    async def _call(self, chat: Chat, plan: CallPlan) -> None:
        rt, rep = self.rt, self.rt.report
        out = await rt.call("call", self.api.start_call(chat.visitor_id, chat.cid))
        if out is None:
            return
        call_id = int(out["id"])
        rep.call(call_id, "ringing")
        for move in plan.moves:
            if not await rt.sleep(move.delay_s):
                return
            if (
                await rt.call(
                    "call update", self.api.update_call(call_id, move.state, move.end_reason)
                )
                is None
            ):
                return
            rep.call(call_id, move.state)
            if move.end_reason is not None:
                rep.end_reasons[move.end_reason] += 1
