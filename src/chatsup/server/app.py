"""The ASGI app: FastAPI routes over the store, the live hub and enrichment.

The lifespan owns the store, the hub and the GeoIP reader; background tasks
prune the event log to its retention and end idle conversations.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from chatsup import __version__
from chatsup.config import Settings
from chatsup.server import errors, live_sockets
from chatsup.server.auth import Authenticator
from chatsup.server.enrich import GeoLookup
from chatsup.server.event_feed import EventFeed
from chatsup.server.hub import Hub
from chatsup.server.idle import idle_end_loop, unsent_media_loop
from chatsup.server.leader import Leader
from chatsup.server.limits import BodyLimit
from chatsup.server.params import json
from chatsup.server.ratelimit import RateLimiter
from chatsup.server.routes import (
    agent,
    exports,
    media,
    pages,
    presence,
    reports,
    supervisor,
    widget,
)
from chatsup.server.socket_guard import SocketGuard
from chatsup.server.state import AppState, app_state
from chatsup.server.store import Store, agent_connections, agents, events
from chatsup.server.store.events import log_bounds

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0


async def _prune_loop(store: Store, days: int, leader: Leader | None) -> None:
    """Prune the event log; with several processes (PostgreSQL), only the leader."""
    while True:
        try:
            if leader is None or await leader.held():
                await store.write(events.prune_events, time.time() - days * 86400)
        except Exception:
            log.exception("pruning the event log failed")
        await asyncio.sleep(PRUNE_EVERY_S)


async def _presence_loop(
    store: Store, instance: str, leader: Leader, lease_s: float, held: dict[int, int]
) -> None:
    """PostgreSQL: this process's heartbeat, with the agents it holds sockets
    of (`held`: agent id -> sockets; a process reaped while alive registers
    them again); the leader also reaps the processes silent for longer than
    the lease (store/agent_connections.py)."""
    every = min(5.0, lease_s / 3)
    while True:
        await asyncio.sleep(every)
        try:
            await store.write(
                agent_connections.heartbeat,
                instance,
                list(held),
                chain=agent_connections.presence_chain(instance),
            )
            if await leader.held():
                await store.write(agent_connections.reap, lease_s)
        except Exception:
            log.exception("presence heartbeat failed")


async def _warm_reports(store: Store) -> None:
    """At start: read the figures earlier processes kept in the store into
    memory, then compute the reports the Monitoring tab opens with: the
    figures of ended days are then kept (store/report_cache.py), so the first
    supervisor to open a report does not wait for 90 days of rows (~2 s a
    report at 1M messages), nor for the store."""
    from chatsup.server.store import ListFilter
    from chatsup.server.store import reports as rp
    from chatsup.server.store.report_cache import preload

    t = time.perf_counter()
    f = ListFilter()
    try:
        # on the report pool: visitors arriving meanwhile do not wait behind it
        n = await store.read_report(preload)
        log.info("%d kept report figures read in %.1f s", n, time.perf_counter() - t)
        for report in (rp.daily, rp.monthly, rp.visitor_stats, rp.agent_stats, rp.heatmap):
            await store.read_report(report, f)
        await store.read_report(rp.interaction_stats, f, "day")
        await store.read_report(rp.interaction_stats, f, "hour")
    except Exception:
        log.exception("warming the reports failed (they are computed on request)")
        return
    log.info("reports warmed in %.1f s", time.perf_counter() - t)
    # What the start built (imports, routes, the figures just warmed) lives as
    # long as the process: out of the collector's sight, a full collection
    # (triggered by any request's allocations) no longer walks it: 145 ms of
    # a first report's 155 ms at 100k messages was one such pass.
    gc.freeze()


WIDGET_WS = "/v1/widget/ws"


class ChatsupApp(FastAPI):
    """FastAPI, but a visitor's widget WebSocket goes straight to its handler.

    Idle visitor sockets are the most numerous connections by far, and each
    one otherwise holds the whole middleware and routing stack for its life
    (about a third of its memory: 39 -> 27 KB a socket, bench/idle_sockets.py).
    None of that stack does anything for this route: CORS and the error pages
    are HTTP-only, the handler takes no dependencies and answers its own
    errors on the socket. The route stays declared (OpenAPI, tests).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == WIDGET_WS:
            scope["app"] = self
            await live_sockets.visitor_socket(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store.open(
            settings.store.path,
            tz=settings.tz,
            synchronous=settings.store.synchronous,
            url=settings.store.url,
        )
        hub = Hub(settings.tz)
        hub.loop = asyncio.get_running_loop()
        hub.latest_id = (await store.read(log_bounds))[1]
        feed: EventFeed | None = None
        if settings.store.url is None:
            store.publish_on = (hub.loop, hub.publish)
        else:  # every process's commits, not only this one's
            feed = EventFeed(hub, store, settings.store.url)
            store.on_commit = feed.local_threadsafe
            feed.start()
        leader = None if settings.store.url is None else Leader(settings.store.url)
        if leader is None:
            # Agents seen online before a restart (or a crash) have no socket any more.
            await store.write(agents.reset_presence)
        else:  # other processes may hold sockets: only this one's are gone
            await store.write(agent_connections.start_instance, settings.store.instance_name)
        s = settings.server
        state = AppState(
            settings=settings,
            store=store,
            hub=hub,
            auth=Authenticator(store),
            geo=GeoLookup(settings.geo.mmdb_path),
            ip_limiter=RateLimiter(s.rate_per_ip),
            visitor_limiter=RateLimiter(s.rate_per_visitor),
            session_limiter=RateLimiter(s.sessions_per_ip),
            guard=SocketGuard(store),
        )
        state.install(app.state)
        beat = (
            None
            if leader is None
            else asyncio.create_task(
                _presence_loop(
                    store,
                    settings.store.instance_name,
                    leader,
                    settings.store.presence_lease_s,
                    state.agent_sockets,
                )
            )
        )
        pruner = asyncio.create_task(
            _prune_loop(store, settings.store.event_retention_days, leader)
        )
        warmer = asyncio.create_task(_warm_reports(store))
        guard = asyncio.create_task(state.guard.run())
        idler = (
            asyncio.create_task(idle_end_loop(store, s.idle_end_s, leader))
            if s.idle_end_s
            else None
        )
        unsent = (
            asyncio.create_task(unsent_media_loop(store, s.unsent_media_keep_s, leader))
            if s.unsent_media_keep_s
            else None
        )
        try:
            yield
        finally:
            guard.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await guard
            for job in (idler, unsent):
                if job is not None:
                    job.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await job
            warmer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warmer
            pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruner
            if beat is not None:
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat
            if leader is not None:
                await leader.close()
            state.geo.close()
            store.on_commit = None
            store.publish_on = None
            if feed is not None:
                await feed.stop()
            await asyncio.to_thread(store.close)

    app = ChatsupApp(
        title="chatsup",
        version=__version__,
        lifespan=lifespan,
        description="Live chat server: widget, agent and supervisor API (v1).",
    )
    app.state.settings = settings
    errors.install(app)
    # Every body is bounded before anything parses it (CORS, added next, wraps
    # this so a browser can read the 413).
    upload_limit = settings.server.max_media_bytes + media.FRAMING_BYTES
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.server.max_body_bytes,
        wider={("POST", media.UPLOAD_PATH): upload_limit},
    )
    # The widget runs on customers' sites. Tokens travel in headers, never
    # cookies, so allowing any origin lends no ambient authority.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )
    for r in (
        widget.router,
        agent.router,
        supervisor.router,
        reports.router,
        exports.router,
        presence.router,
        media.router,
        pages.router,
    ):
        app.include_router(r)

    instance = settings.store.instance_name

    @app.get("/v1/health", tags=["operator"])
    async def health(request: Request) -> Response:
        body: dict[str, object] = {
            "status": "ok",
            "version": __version__,
            "timezone": settings.timezone,
            "store": settings.store.engine,
            "instance": instance,
        }
        retries = getattr(app_state(request).store.engine, "retries", None)
        if retries is not None:  # PostgreSQL: writes run again since start, by cause
            body["write_retries"] = dict(retries)
        return json(body)

    return app
