"""One simulated visit, as the widget in a browser would make it: a session
(user agent, WebRTC, referrer, landing page), page views while reading, the
widget socket while an advisor is presented, then a chat (each message after
the advisor's answer to the previous one, as long as patience lasts), an
offline message when nobody is online, or nothing."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from chatsup.client import Forbidden, WidgetClient
from chatsup.domain.events import ConversationEnded, MessageCreated
from chatsup.simulate.desk import Chat, Desk, Known, KnownVisitors
from chatsup.simulate.net import ForwardedFor, frame, open_socket
from chatsup.simulate.plan import ChatPlan, VisitPlan
from chatsup.simulate.runtime import Runtime, Signal


class Browser:
    """What one visitor's widget socket has shown: advisor replies, the end."""

    __slots__ = ("ended", "replies", "signal")

    def __init__(self) -> None:
        self.replies = 0
        self.ended = False
        self.signal = Signal()

    async def read(self, ws: ClientConnection, rt: Runtime) -> None:
        with contextlib.suppress(WebSocketException, OSError):
            async for raw in ws:
                rt.report.ws_frames += 1
                e = frame(raw)
                if isinstance(e, MessageCreated) and e.data.sender == "agent":
                    self.replies += 1
                    self.signal.fire()
                elif isinstance(e, ConversationEnded):
                    self.ended = True
                    self.signal.fire()


class Visit:
    def __init__(
        self,
        rt: Runtime,
        desk: Desk,
        known: KnownVisitors,
        plan: VisitPlan,
        site_key: str,
        origin: str,
    ) -> None:
        self.rt = rt
        self.desk = desk
        self.known = known
        self.v = plan
        self.site_key = site_key
        self.origin = origin.rstrip("/")
        self.browser = Browser()

    async def run(self) -> None:
        v, rt, rep = self.v, self.rt, self.rt.report
        back = self.known.pick(v.pick) if v.returning else None
        ip = back.ip if back else v.ip
        ws: ClientConnection | None = None
        reader: asyncio.Task[None] | None = None
        async with WidgetClient(rt.url, transport=ForwardedFor(rt.pools.pick(v.index), ip)) as w:
            s = await rt.call(
                "session",
                w.start_session(
                    self.site_key,
                    v.user_agent,
                    v.webrtc,
                    v.referrer,
                    back.token if back else None,
                    url=self.origin + v.landing[0],
                ),
            )
            if s is None:
                return
            if not s.get("continued"):  # back within 30 min: the same visit goes on
                rep.sessions += 1
            rep.page_views += 1  # the landing page, recorded with the session
            visitor_id = int(s["visitor_id"])
            if back is not None and back.visitor_id == visitor_id:
                rep.returning_visitors += 1
            else:
                rep.new_visitors += 1
            self.known.add(Known(str(s["token"]), ip, visitor_id))
            try:
                if s.get("presented_agent"):
                    try:
                        ws = await open_socket(rt.url, "/v1/widget/ws", str(s["token"]), ip)
                        rep.visitor_sockets += 1
                        reader = asyncio.create_task(self.browser.read(ws, rt))
                    except (OSError, TimeoutError, WebSocketException) as e:
                        rep.errors[f"widget socket: {type(e).__name__}"] += 1
                await self._browse(w, s, visitor_id)
            finally:
                if ws is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(ws.close(), 5)
                if reader is not None:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await reader

    async def _browse(self, w: WidgetClient, s: dict[str, Any], visitor_id: int) -> None:
        v, rt, rep = self.v, self.rt, self.rt.report
        for k, read_s in enumerate(v.read_s):
            if k > 0:
                path, title = v.pages[k - 1]
                if await rt.call("pageview", w.pageview(self.origin + path, title)) is None:
                    return
                rep.page_views += 1
            if k == v.chat_after and v.intent != "browse":
                if not await rt.sleep(read_s / 2) or not await self._reach_out(w, s, visitor_id):
                    return
                read_s /= 2
            if not await rt.sleep(read_s):
                return

    async def _reach_out(self, w: WidgetClient, s: dict[str, Any], visitor_id: int) -> bool:
        """Chat if an advisor is presented, else perhaps an offline message."""
        v, rt, rep = self.v, self.rt, self.rt.report
        if v.chat is not None and s.get("presented_agent"):
            return await self._chat(w, v.chat, visitor_id)
        # the widget shows the offline form only when no advisor is presented
        if v.offline is None or not (v.intent == "offline" or v.leave_message):
            rep.gave_up += 1
            return True
        if not s.get("offline_enabled"):
            rep.offline_refused += 1
            return True
        o = v.offline
        try:
            out = await rt.call(
                "offline message",
                w.offline_message(o.body, o.name, o.email, o.phone),
                raising=(Forbidden,),
            )
        except Forbidden as e:  # switched off since the session started
            if e.code != "offline_disabled":
                raise
            rep.offline_refused += 1
            return rt.running
        if out is not None:
            rep.offline_messages += 1
        return rt.running

    async def _chat(self, w: WidgetClient, p: ChatPlan, visitor_id: int) -> bool:
        rt, rep, b = self.rt, self.rt.report, self.browser
        base = b.replies
        out = await rt.call("message", w.send(p.opener))
        if out is None:
            return rt.running
        cid = int(out["conversation_id"])
        rep.visitor_messages += 1
        rep.conversation(cid)
        self.desk.hand_over(Chat(cid, visitor_id, p))
        for k, text in enumerate(p.followups):
            if not await self._replies(base + k + 1, p.patience_s):
                return rt.running  # nobody answered: the visitor leaves the chat
            if not await rt.sleep(p.typing_s[k]):
                return False
            if await rt.call("message", w.send(text)) is None:
                return rt.running
            rep.visitor_messages += 1
        # the last answer, then a while until the advisor closes the chat
        await self._replies(base + p.visitor_messages, p.patience_s)
        if not b.ended and rt.running:
            await self._wait(lambda: b.ended, self.v.linger_s)
        return rt.running

    async def _replies(self, n: int, patience_s: float) -> bool:
        return await self._wait(lambda: self.browser.replies >= n, patience_s)

    async def _wait(self, cond: Any, patience_s: float) -> bool:
        deadline = self.rt.clock() + patience_s
        while not cond() and self.rt.running and self.rt.clock() < deadline:
            await self.rt.sleep_until(deadline, self.browser.signal.future())
        return bool(cond())
