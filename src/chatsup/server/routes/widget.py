"""The visitor widget's endpoints (token role `visitor`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, WebSocket
from starlette.responses import Response

from chatsup.domain.inputs import MessageIn, OfflineMessageIn, PageViewIn, WidgetSessionIn
from chatsup.server import chat, live_sockets
from chatsup.server.auth import Principal, require
from chatsup.server.enrich import client_ip, parse_user_agent
from chatsup.server.errors import ApiError
from chatsup.server.params import check_model, clean_contact, json
from chatsup.server.state import app_state
from chatsup.server.store import NotFound, Rx, visits
from chatsup.server.store import offline as offline_store
from chatsup.server.store.agents import online_agents
from chatsup.server.store.sites import site_by_key
from chatsup.server.store.tokens import digest, new_token

router = APIRouter(prefix="/v1/widget", tags=["widget"])


def ip_of(request: Request | WebSocket) -> str | None:
    s = request.app.state.settings.server
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.get("x-forwarded-for"), s.trusted_proxies)


def limit(request: Request, principal: Principal | None = None) -> None:
    ip = ip_of(request) or "?"
    request.app.state.ip_limiter.hit(ip, "address")
    if principal is not None:
        request.app.state.visitor_limiter.hit(str(principal.subject_id), "visitor")


def _session_context(rx: Rx, site_key: str, visitor_token: str | None) -> dict[str, Any]:
    site = site_by_key(rx, site_key)
    if site is None:
        return {"site": None}
    returning = None
    if visitor_token:
        row = rx.one(
            "SELECT subject_id FROM tokens WHERE digest = ? AND role = 'visitor'",
            (digest(visitor_token),),
        )
        returning = None if row is None else row[0]
    agents = online_agents(rx, site["id"])
    presented = None
    if agents:
        # the online agent with the fewest open conversations, then the lowest id
        loads = {a["id"]: 0 for a in agents}
        marks = ",".join("?" * len(loads))
        for aid, n in rx.execute(
            f"SELECT agent_id, count(*) FROM conversations WHERE ended_at IS NULL"
            f" AND agent_id IN ({marks}) GROUP BY agent_id",
            list(loads),
        ):
            loads[aid] = n
        presented = min(agents, key=lambda a: (loads[a["id"]], a["id"]))
    return {"site": site, "returning": returning, "agents": agents, "presented": presented}


@router.post("/sessions", status_code=201)
async def start_session(body: WidgetSessionIn, request: Request) -> Response:
    """Starts a visit; a returning visitor passes the token it was given before."""
    check_model(body)
    state = request.app.state
    ip = ip_of(request)
    state.session_limiter.hit(ip or "?", "address")
    ctx = await state.store.read(_session_context, body.site_key, body.visitor_token)
    site = ctx["site"]
    if site is None:
        raise ApiError(404, "not_found", "unknown site_key", "site_key")
    ua = parse_user_agent(body.user_agent)
    loc = state.geo.lookup(ip)
    token = body.visitor_token if ctx["returning"] is not None else new_token("visitor")
    presented = ctx["presented"]
    visit = visits.Visit(
        site_id=site["id"],
        visitor_id=ctx["returning"],
        ip=ip,
        user_agent=body.user_agent,
        os=ua.os,
        browser=ua.browser,
        webrtc=body.webrtc,
        referrer=body.referrer,
        country=loc.country if loc else None,
        country_code=loc.country_code if loc else None,
        city=loc.city if loc else None,
        presented_agent_id=presented["id"] if presented else None,
        token_digest=None if ctx["returning"] is not None else digest(token or ""),
    )
    out = await state.store.write(visits.start_session, visit)
    if body.url:
        await state.store.write(visits.add_pageview, out["session_id"], body.url, None)
    return json(
        {
            **out,
            "token": token,
            "site": {"id": site["id"], "name": site["name"]},
            "offline_enabled": site["offline_enabled"],
            "agents_online": len(ctx["agents"]),
            "presented_agent": presented,
        },
        201,
    )


def _latest_session(rx: Rx, visitor_id: int) -> dict[str, Any]:
    row = rx.one(
        "SELECT id, site_id FROM sessions WHERE visitor_id = ? ORDER BY id DESC LIMIT 1",
        (visitor_id,),
    )
    if row is None:
        raise NotFound("session")
    site = rx.one("SELECT offline_enabled FROM sites WHERE id = ?", (row["site_id"],))
    if site is None:
        raise NotFound("site")
    return {
        "session_id": row["id"],
        "site_id": row["site_id"],
        "offline_enabled": bool(site["offline_enabled"]),
    }


async def visitor(request: Request) -> Principal:
    p = await require(request, "visitor")
    limit(request, p)
    return p


@router.post("/pageviews", status_code=201)
async def pageview(body: PageViewIn, request: Request) -> Response:
    p = await visitor(request)
    check_model(body)
    store = request.app.state.store
    s = await store.read(_latest_session, p.subject_id)
    pid = await store.write(visits.add_pageview, s["session_id"], body.url, body.title)
    return json({"id": pid}, 201)


@router.post("/messages", status_code=201)
async def message(body: MessageIn, request: Request) -> Response:
    """201 means committed. A retried send with the same client_id answers the
    original message and stores nothing new."""
    p = await visitor(request)
    state = app_state(request)
    out = await chat.send_visitor_message(
        state.store, state.settings.server.max_body_chars, p, body
    )
    return json(out, 201)


@router.post("/offline-messages", status_code=201)
async def offline(body: OfflineMessageIn, request: Request) -> Response:
    p = await visitor(request)
    check_model(body)
    store = request.app.state.store
    s = await store.read(_latest_session, p.subject_id)
    if not s["offline_enabled"]:
        raise ApiError(403, "offline_disabled", "this site does not take offline messages")
    # the same rules as a profile's (domain/contact.py); a bad one is a 422 naming it
    email, phone = clean_contact("email", body.email), clean_contact("phone", body.phone)
    oid = await store.write(
        offline_store.offline_message,
        s["site_id"],
        p.subject_id,
        body.name,
        email,
        phone,
        body.body,
    )
    return json({"id": oid}, 201)


@router.websocket("/ws")
async def widget_ws(ws: WebSocket) -> None:
    await live_sockets.visitor_socket(ws)
