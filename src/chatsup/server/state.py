"""The application's state, typed: built once in the lifespan (app.py) and
read by routes and sockets with `app_state(request_or_socket)`.

Starlette's `app.state` is an untyped bag; the same objects are also set on
it, attribute by attribute, for code that still reads `app.state.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from starlette.requests import HTTPConnection

from chatsup.config import Settings
from chatsup.server.auth import Authenticator
from chatsup.server.enrich import GeoLookup
from chatsup.server.hub import Hub
from chatsup.server.ratelimit import RateLimiter
from chatsup.server.socket_guard import SocketGuard
from chatsup.server.store import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    hub: Hub
    auth: Authenticator
    geo: GeoLookup
    ip_limiter: RateLimiter
    visitor_limiter: RateLimiter
    session_limiter: RateLimiter
    # open sockets by token: a revoked token's socket is closed
    guard: SocketGuard
    # open agent sockets per agent id, in this process (presence)
    agent_sockets: dict[int, int] = field(default_factory=dict)

    def install(self, app_state: Any) -> None:
        """Put this on Starlette's `app.state` (typed, and attribute by attribute)."""
        app_state.chatsup = self
        for f in fields(self):
            setattr(app_state, f.name, getattr(self, f.name))


def app_state(conn: HTTPConnection) -> AppState:
    """The typed state of the app serving this request or socket."""
    state: AppState = conn.app.state.chatsup
    return state
