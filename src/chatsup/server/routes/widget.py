"""The visitor widget's endpoints (token role `visitor`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, WebSocket
from starlette.responses import Response

from chatsup.domain.inputs import MessageIn, OfflineMessageIn, PageViewIn, WidgetSessionIn
from chatsup.server import live_sockets
from chatsup.server.auth import Principal, digest, new_token, require
from chatsup.server.enrich import client_ip, parse_user_agent
from chatsup.server.errors import ApiError
from chatsup.server.params import check_model, clean_contact, json
from chatsup.server.store import NotFound, Rx, Tx
from chatsup.server.store import writes as w
from chatsup.server.store.admin import online_agents, site_by_key

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
    visit = w.Visit(
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
    out = await state.store.write(w.start_session, visit)
    if body.url:
        await state.store.write(w.add_pageview, out["session_id"], body.url, None)
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
    pid = await store.write(w.add_pageview, s["session_id"], body.url, body.title)
    return json({"id": pid}, 201)


async def send_visitor_message(app: Any, p: Principal, body: MessageIn) -> dict[str, Any]:
    """One path for HTTP and WebSocket sends."""
    check_model(body)
    limit_chars = app.state.settings.server.max_body_chars
    if len(body.body) > limit_chars:
        raise ApiError(413, "too_large", f"body: longer than {limit_chars} characters", "body")
    if not body.body.strip() and body.media is None:
        raise ApiError(422, "invalid", "body: empty message", "body")
    key = f"v{p.subject_id}:{body.client_id}" if body.client_id else None
    media = body.media.model_dump() if body.media else None
    out: dict[str, Any] = await app.state.store.write(
        _visitor_message, p.subject_id, w.NewMessage(body.body, media, key)
    )
    return out


def _visitor_message(tx: Tx, visitor_id: int, m: w.NewMessage) -> dict[str, Any]:
    """The visitor's latest session and the message, in one hop to the writer
    (not a read then a write: each hop to a thread costs the event loop)."""
    row = tx.execute(
        "SELECT id, site_id FROM sessions WHERE visitor_id = ? ORDER BY id DESC LIMIT 1",
        (visitor_id,),
    ).fetchone()
    if row is None:
        raise NotFound("session")
    return w.visitor_message(tx, visitor_id, row[0], row[1], m)


@router.post("/messages", status_code=201)
async def message(body: MessageIn, request: Request) -> Response:
    """201 means committed. A retried send with the same client_id answers the
    original message and stores nothing new."""
    p = await visitor(request)
    out = await send_visitor_message(request.app, p, body)
    return json(
        {
            "conversation_id": out["conversation_id"],
            "message_id": out["message_id"],
            "event_id": out["event_id"],
            "started": bool(out.get("started")),
        },
        201,
    )


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
        w.offline_message, s["site_id"], p.subject_id, body.name, email, phone, body.body
    )
    return json({"id": oid}, 201)


@router.websocket("/ws")
async def widget_ws(ws: WebSocket) -> None:
    await live_sockets.visitor_socket(ws)
