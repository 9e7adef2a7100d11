"""The typed client of the chatsup v1 API: HTTP for the supervisor, an agent
and the visitor widget, and the self-reconnecting live stream. The console and
the CLI talk to the server only through this package (layering:
tui → client → domain)."""

from chatsup.client.base import MediaFile
from chatsup.client.errors import (
    ApiError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthorized,
    Unreachable,
    error_from_body,
)
from chatsup.client.filters import Filters
from chatsup.client.http import EXPORT_FORMATS, EXPORT_KINDS, SupervisorClient
from chatsup.client.live import LiveClient, LiveItem, LiveState, LiveStatus, Resync, ws_url
from chatsup.client.roles import AgentClient, WidgetClient

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_KINDS",
    "AgentClient",
    "ApiError",
    "Filters",
    "Forbidden",
    "Invalid",
    "LiveClient",
    "LiveItem",
    "LiveState",
    "LiveStatus",
    "MediaFile",
    "NotFound",
    "RateLimited",
    "Resync",
    "SupervisorClient",
    "Unauthorized",
    "Unreachable",
    "WidgetClient",
    "error_from_body",
    "ws_url",
]
