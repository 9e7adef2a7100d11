"""The supervisor's HTTP client: every list, detail, edit, export and report of
the v1 API, answered as domain models (reports as parsed JSON for now)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chatsup.client.base import BaseClient, list_params, without_none
from chatsup.client.filters import Filters

if TYPE_CHECKING:  # the event models load when first needed, not at a console's start
    from chatsup.domain.events import Event
from chatsup.domain.models import (
    Agent,
    CallPage,
    Contact,
    ConversationDetail,
    ConversationItem,
    Health,
    MailResult,
    OfflineMessage,
    Page,
    Profile,
    ServerSettings,
    Site,
    VisitorDetail,
    VisitorItem,
)

EXPORT_KINDS = (
    "conversations",
    "offline-messages",
    "calls",
    "visitors",
    "contacts",
    "daily",
    "monthly",
)
EXPORT_FORMATS = ("csv", "jsonl")


@dataclass(kw_only=True, slots=True)
class _Sites:
    items: list[Site]


@dataclass(kw_only=True, slots=True)
class _Agents:
    items: list[Agent]


class SupervisorClient(BaseClient):
    """`async with SupervisorClient(url, token) as api: await api.conversations()`.

    Every non-2xx answer raises the matching `ApiError` subclass; a server
    that cannot be reached raises `Unreachable`.
    """

    # -- operator ---------------------------------------------------------------

    async def health(self) -> Health:
        return await self._get(Health, "/v1/health")

    async def settings(self) -> ServerSettings:
        """The supervisor address to prefill, whether SMTP is set, the time zone."""
        return await self._get(ServerSettings, "/v1/settings")

    # -- conversations ------------------------------------------------------------

    async def conversations(
        self, filters: Filters | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[ConversationItem]:
        return await self._get(
            Page[ConversationItem], "/v1/conversations", list_params(filters, cursor, limit)
        )

    async def conversation(self, conversation_id: int) -> ConversationDetail:
        return await self._get(ConversationDetail, f"/v1/conversations/{int(conversation_id)}")

    async def mail_conversation(self, conversation_id: int, to: str | None = None) -> MailResult:
        """Mail the transcript to `to`, or to the configured supervisor address."""
        resp = await self._request(
            "POST", f"/v1/conversations/{int(conversation_id)}/mail", json=without_none(to=to)
        )
        return self._parse(MailResult, resp)

    # -- in a live chat (API.md v1) -------------------------------------------------

    async def add_note(
        self, conversation_id: int, body: str, client_id: str | None = None
    ) -> dict[str, Any]:
        """A note (whisper) for the advisors: `{conversation_id, message_id,
        event_id}`. The visitor never sees it."""
        resp = await self._request(
            "POST",
            f"/v1/conversations/{int(conversation_id)}/notes",
            json=without_none(body=body, client_id=client_id),
        )
        return self._object(resp)

    async def send_message(
        self, conversation_id: int, body: str, client_id: str | None = None
    ) -> dict[str, Any]:
        """A message to the visitor (`sender: "supervisor"`, an answer):
        `{conversation_id, message_id, event_id}`. A retry with the same
        `client_id` stores nothing new and answers the same ids."""
        resp = await self._request(
            "POST",
            f"/v1/conversations/{int(conversation_id)}/messages",
            json=without_none(body=body, client_id=client_id),
        )
        return self._object(resp)

    async def assign(self, conversation_id: int, agent_id: int) -> dict[str, Any]:
        """Transfer the chat to `agent_id`: `{conversation_id, agent,
        previous_agent, event_id, changed}`."""
        resp = await self._request(
            "POST",
            f"/v1/conversations/{int(conversation_id)}/assign",
            json={"agent_id": int(agent_id)},
        )
        return self._object(resp)

    async def offline_messages(
        self, filters: Filters | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[OfflineMessage]:
        return await self._get(
            Page[OfflineMessage], "/v1/offline-messages", list_params(filters, cursor, limit)
        )

    # -- sites and agents -----------------------------------------------------------

    async def sites(self) -> list[Site]:
        return (await self._get(_Sites, "/v1/sites")).items

    async def set_offline_enabled(self, site_id: int, enabled: bool) -> Site:
        resp = await self._request(
            "PATCH", f"/v1/sites/{int(site_id)}", json={"offline_enabled": bool(enabled)}
        )
        return self._parse(Site, resp)

    async def agents(self) -> list[Agent]:
        return (await self._get(_Agents, "/v1/agents")).items

    # -- calls, visitors, contacts ------------------------------------------------------

    async def calls(
        self, filters: Filters | None = None, cursor: str | None = None, limit: int = 50
    ) -> CallPage:
        return await self._get(CallPage, "/v1/calls", list_params(filters, cursor, limit))

    async def visitors(
        self, filters: Filters | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[VisitorItem]:
        return await self._get(
            Page[VisitorItem], "/v1/visitors", list_params(filters, cursor, limit)
        )

    async def visitor(self, visitor_id: int) -> VisitorDetail:
        return await self._get(VisitorDetail, f"/v1/visitors/{int(visitor_id)}")

    async def put_profile(
        self,
        visitor_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        notes: str | None = None,
    ) -> Profile:
        """Create or replace the visitor's profile (a field left None is cleared).
        A bad email or phone raises `Invalid` naming the field."""
        resp = await self._request(
            "PUT",
            f"/v1/visitors/{int(visitor_id)}/profile",
            json={"name": name, "email": email, "phone": phone, "notes": notes},
        )
        return self._parse(Profile, resp)

    async def delete_profile(self, visitor_id: int) -> None:
        await self._request("DELETE", f"/v1/visitors/{int(visitor_id)}/profile")

    async def contacts(
        self, filters: Filters | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[Contact]:
        return await self._get(Page[Contact], "/v1/contacts", list_params(filters, cursor, limit))

    # -- event log ----------------------------------------------------------------------

    async def events(self, after: int = 0, limit: int = 100) -> Page[Event]:
        """The event log after id `after`, oldest first, each event typed
        (`GenericEvent` for a type this client does not know)."""
        from chatsup.domain.events import parse_event

        def read(data: Any) -> Page[Event]:
            items = [parse_event(e) for e in data["items"]]
            return Page(items=items, next_cursor=data.get("next_cursor"))

        params = {"after": str(int(after)), "limit": str(int(limit))}
        resp = await self._request("GET", "/v1/events", params=params)
        return self._read(resp, "Page[Event]", read)

    async def latest_event_id(self) -> int:
        """The id of the newest event: a live view that starts now resumes after it."""
        data = await self._get_json("/v1/events", {"after": str(2**62), "limit": "1"})
        return int(data.get("latest_id") or 0)

    # -- export ---------------------------------------------------------------------------

    async def export(
        self,
        kind: str,
        fmt: str,
        filters: Filters | None,
        dest: Path | str,
        progress: Callable[[int], None] | None = None,
        per: str | None = None,
    ) -> int:
        """Stream `GET /v1/export/{kind}?format=fmt` into `dest`; returns the bytes
        written. The file appears at `dest` only when complete (it is written to
        `dest.part` first); a failure leaves no partial file behind.
        `progress` is called with the running byte count. Conversations:
        `per="conversation"` for one row each (else one row per message)."""
        params = list_params(filters)
        params["format"] = fmt
        if per is not None:
            params["per"] = per
        await self._download(f"/v1/export/{quote(kind, safe='')}", dest, params, progress)
        return Path(dest).stat().st_size

    # -- monitoring (reports and statistics) ------------------------------------------------

    async def daily(self, filters: Filters | None = None) -> dict[str, Any]:
        """Per day: page views, visitors, chats, calls, SMS; `rows` + `totals`."""
        return await self._report("/v1/reports/daily", filters)

    async def monthly(self, filters: Filters | None = None) -> dict[str, Any]:
        """Per month: page views, visitors, chats, calls, callbacks; `rows` + `totals`."""
        return await self._report("/v1/reports/monthly", filters)

    async def visitor_stats(self, filters: Filters | None = None) -> dict[str, Any]:
        return await self._report("/v1/stats/visitors", filters)

    async def agent_stats(self, filters: Filters | None = None) -> dict[str, Any]:
        return await self._report("/v1/stats/agents", filters)

    async def interaction_stats(
        self, filters: Filters | None = None, by: str = "day"
    ) -> dict[str, Any]:
        """By `day` or by `hour` of day."""
        return await self._report("/v1/stats/interactions", filters, by=by)

    async def presence_stats(self, filters: Filters | None = None) -> dict[str, Any]:
        """Per advisor over the range (clipped to now): `online_s`, `away_s`,
        `offline_s` and `intervals[{from, to, status}]`."""
        return await self._report("/v1/stats/presence", filters)

    async def heatmap(self, filters: Filters | None = None) -> dict[str, Any]:
        """Chats by day of week × local hour."""
        return await self._report("/v1/stats/heatmap", filters)

    async def _report(self, path: str, filters: Filters | None, **extra: str) -> dict[str, Any]:
        params = list_params(filters)
        params.update(extra)
        data = await self._get_json(path, params)
        return data if isinstance(data, dict) else {"rows": data}
