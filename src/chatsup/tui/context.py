"""What the supervisor console's screens need from the app: the client, the
company's time zone, the advisors and sites. Screens read it with
`context_of(self)` and reach the app only through messages
(`chatsup.tui.messages`), so no screen imports the app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from textual.dom import DOMNode

from chatsup.client import SupervisorClient
from chatsup.domain.models import Agent, Site


@dataclass
class Context:
    client: SupervisorClient
    tz: ZoneInfo
    agents: list[Agent] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)

    async def refresh_choices(self) -> None:
        """Advisors and sites again (a site's setting changed)."""
        self.agents, self.sites = await asyncio.gather(self.client.agents(), self.client.sites())


def context_of(node: DOMNode) -> Context:
    """The context of the app `node` runs in."""
    ctx = getattr(node.app, "ctx", None)
    if not isinstance(ctx, Context):
        raise RuntimeError(f"{type(node.app).__name__} holds no supervisor console context")
    return ctx
