"""The typed client of the chatsup v1 API: HTTP for the supervisor, an agent
and the visitor widget, and the self-reconnecting live stream. The console and
the CLI talk to the server only through this package (layering:
tui → client → domain).

The live stream (websockets) and the agent and widget clients load when first
named (`from chatsup.client import LiveClient` works as before): a console
shows its first rows before it opens the live stream (issue 14, P7)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from chatsup.client import _httpx  # noqa: F401  first: httpx without its CLI
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

if TYPE_CHECKING:
    from chatsup.client.live import LiveClient, LiveItem, LiveState, LiveStatus, Resync, ws_url
    from chatsup.client.roles import AgentClient, WidgetClient

# name → the module that defines it, imported on first use
_LAZY = {
    **dict.fromkeys(
        ("LiveClient", "LiveItem", "LiveState", "LiveStatus", "Resync", "ws_url"),
        "chatsup.client.live",
    ),
    **dict.fromkeys(("AgentClient", "WidgetClient"), "chatsup.client.roles"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
