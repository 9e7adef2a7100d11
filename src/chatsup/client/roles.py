"""HTTP clients for the two other audiences: an agent (advisor) and the visitor
widget. The simulator and the tests drive the server through these."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chatsup.client._httpx import httpx
from chatsup.client.base import DEFAULT_TIMEOUT, BaseClient, without_none
from chatsup.domain.agent_desk import DeskConversation
from chatsup.domain.models import Agent, ConversationItem, Health, Media, Page, Presence

MediaLike = Mapping[str, Any] | Media | BaseModel
"""Media to send: a mapping, a wire `Media`, or a request model (`MediaIn`)."""


def _media(media: MediaLike | None) -> dict[str, Any] | None:
    if media is None:
        return None
    if isinstance(media, Media):
        return dataclasses.asdict(media)
    if isinstance(media, BaseModel):
        return media.model_dump(mode="json")
    return dict(media)


class AgentClient(BaseClient):
    """An advisor, with an agent token."""

    async def presence(self, status: Presence) -> None:
        await self._request("POST", "/v1/agent/presence", json={"status": status})

    async def health(self) -> Health:
        """`GET /v1/health` (no token needed): status, version, company time zone."""
        return await self._get(Health, "/v1/health")

    async def me(self) -> Agent:
        """The advisor this token belongs to."""
        return await self._get(Agent, "/v1/agent/me")

    async def desk(
        self, scope: str = "open", limit: int = 50, cursor: str | None = None
    ) -> Page[ConversationItem]:
        """Conversations not ended: `waiting` for any advisor, `mine`, or
        `open` (both); newest first."""
        params = {"scope": scope, "limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        return await self._get(Page[ConversationItem], "/v1/agent/conversations", params)

    async def desk_conversation(self, conversation_id: int) -> DeskConversation:
        """A conversation with its messages and the visitor's session details;
        `Forbidden` when another advisor holds it."""
        return await self._get(DeskConversation, f"/v1/agent/conversations/{int(conversation_id)}")

    async def reply(
        self,
        conversation_id: int,
        body: str,
        client_id: str | None = None,
        *,
        media: MediaLike | None = None,
    ) -> dict[str, Any]:
        """201 `{conversation_id, message_id, event_id}`; the first agent message
        assigns the conversation. A retry with the same `client_id` stores nothing new."""
        resp = await self._request(
            "POST",
            f"/v1/agent/conversations/{int(conversation_id)}/messages",
            json=without_none(body=body, media=_media(media), client_id=client_id),
        )
        return self._object(resp)

    async def end_conversation(self, conversation_id: int) -> dict[str, Any]:
        resp = await self._request("POST", f"/v1/agent/conversations/{int(conversation_id)}/end")
        return self._object(resp)

    async def start_call(
        self, visitor_id: int, conversation_id: int | None = None
    ) -> dict[str, Any]:
        resp = await self._request(
            "POST",
            "/v1/calls",
            json=without_none(visitor_id=visitor_id, conversation_id=conversation_id),
        )
        return self._object(resp)

    async def update_call(
        self, call_id: int, state: str, end_reason: str | None = None
    ) -> dict[str, Any]:
        """ringing → answered/missed/rejected/failed; answered → ended/failed."""
        resp = await self._request(
            "PATCH",
            f"/v1/calls/{int(call_id)}",
            json=without_none(state=state, end_reason=end_reason),
        )
        return self._object(resp)

    async def sms(self, visitor_id: int, phone: str, body: str) -> dict[str, Any]:
        resp = await self._request(
            "POST", "/v1/sms", json={"visitor_id": visitor_id, "phone": phone, "body": body}
        )
        return self._object(resp)

    async def callback(
        self, visitor_id: int, phone: str, scheduled_for: datetime | None = None
    ) -> dict[str, Any]:
        resp = await self._request(
            "POST",
            "/v1/callbacks",
            json=without_none(
                visitor_id=visitor_id,
                phone=phone,
                scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
            ),
        )
        return self._object(resp)


class WidgetClient(BaseClient):
    """A visitor's chat box. Starts without a token; `start_session` gets one
    and every later call uses it."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, transport=transport)
        self.visitor_id: int | None = None
        self.session_id: int | None = None

    async def start_session(
        self,
        site_key: str,
        user_agent: str | None = None,
        webrtc: bool | None = None,
        referrer: str | None = None,
        visitor_token: str | None = None,
        *,
        url: str | None = None,
    ) -> dict[str, Any]:
        """201 `{visitor_id, visitor_number, session_id, token, offline_enabled,
        agents_online, ...}`. Pass an earlier `visitor_token` to come back as the
        same visitor. An unknown `site_key` raises `NotFound`."""
        resp = await self._request(
            "POST",
            "/v1/widget/sessions",
            json=without_none(
                site_key=site_key,
                user_agent=user_agent,
                webrtc=webrtc,
                referrer=referrer,
                visitor_token=visitor_token,
                url=url,
            ),
        )
        out = self._object(resp)
        if out.get("token"):
            self._set_token(str(out["token"]))
        self.visitor_id = out.get("visitor_id")
        self.session_id = out.get("session_id")
        return out

    async def pageview(self, url: str, title: str | None = None) -> dict[str, Any]:
        resp = await self._request(
            "POST", "/v1/widget/pageviews", json=without_none(url=url, title=title)
        )
        return self._object(resp)

    async def send(
        self,
        body: str,
        media: MediaLike | None = None,
        client_id: str | None = None,
        *,
        media_id: int | None = None,
    ) -> dict[str, Any]:
        """201 `{conversation_id, message_id, event_id}`: committed. The first
        message opens a conversation; a retry with the same `client_id` stores
        nothing new. `media_id`: a file from `upload_media`, attached."""
        resp = await self._request(
            "POST",
            "/v1/widget/messages",
            json=without_none(
                body=body, media=_media(media), client_id=client_id, media_id=media_id
            ),
        )
        return self._object(resp)

    async def upload_media(
        self, name: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """201 `{media_id, name, type, size}`: the type is sniffed by the
        server (images, PDF, plain text; else 415), at most
        `server.max_media_bytes` (else 413)."""
        resp = await self._request(
            "POST", "/v1/widget/media", files={"file": (name, data, content_type)}
        )
        return self._object(resp)

    async def offline_message(
        self, body: str, name: str | None = None, email: str | None = None, phone: str | None = None
    ) -> dict[str, Any]:
        """Raises `Forbidden` (code `offline_disabled`) when the site turned them off."""
        resp = await self._request(
            "POST",
            "/v1/widget/offline-messages",
            json=without_none(body=body, name=name, email=email, phone=phone),
        )
        return self._object(resp)
