"""`chatsup simulate --setup`: what a simulation needs in a database — a site
and advisors with fresh tokens (and a supervisor token to check the results
with). The one place the simulator touches the store; runs reuse the same
site and advisors, with new tokens each time (tokens are stored as digests)."""

from __future__ import annotations

from typing import Any

SITE_NAME = "Simulated shop"
SITE_DOMAIN = "shop.simulated.example"
ADVISOR_NAMES = (
    "Alice",
    "Bruno",
    "Chloé",
    "David",
    "Elsa",
    "Farid",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Jules",
    "Karima",
    "Léo",
)


def advisor_name(n: int) -> str:
    name = ADVISOR_NAMES[n % len(ADVISOR_NAMES)]
    return name if n < len(ADVISOR_NAMES) else f"{name} {n // len(ADVISOR_NAMES) + 1}"


def create(store: Any, agents: int, create_token: Any) -> dict[str, Any]:
    """Site, `agents` advisors and their new tokens, a supervisor token:
    `{site_keys, site_origins, agent_tokens, supervisor_token}`."""
    from chatsup.server.store import agents as agents_store
    from chatsup.server.store import sites
    from chatsup.server.store.agents import list_agents
    from chatsup.server.store.sites import list_sites

    site = next((s for s in store.read_sync(list_sites) if s["domain"] == SITE_DOMAIN), None)
    if site is None:
        site = store.write_sync(sites.create_site, SITE_NAME, SITE_DOMAIN)
    by_email = {a["email"]: a["id"] for a in store.read_sync(list_agents)}
    tokens = []
    for n in range(agents):
        email = f"sim-advisor-{n + 1}@simulated.example"
        name = advisor_name(n)
        agent_id = by_email.get(email) or store.write_sync(agents_store.create_agent, name, email)
        tokens.append(create_token(store, "agent", name, agent_id))
    return {
        "site_keys": [site["key"]],
        "site_origins": [f"https://{SITE_DOMAIN}"],
        "agent_tokens": tokens,
        "supervisor_token": create_token(store, "supervisor", "simulation supervisor", None),
    }
