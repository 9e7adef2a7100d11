"""Agents and their presence: reads and writes."""

from __future__ import annotations

from typing import Any

from chatsup.server.store.errors import BadInput, NotFound
from chatsup.server.store.tx import Rx, Tx


def list_agents(rx: Rx) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "name": r["name"], "email": r["email"], "presence": r["presence"]}
        for r in rx.execute("SELECT id, name, email, presence FROM agents ORDER BY name, id")
    ]


def online_agents(rx: Rx, site_id: int) -> list[dict[str, Any]]:
    """Agents online for a site: those bound to it, or bound to no site."""
    return [
        {"id": r[0], "name": r[1]}
        for r in rx.execute(
            "SELECT a.id, a.name FROM agents a WHERE a.presence = 'online' AND ("
            " EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id AND x.site_id = ?)"
            " OR NOT EXISTS (SELECT 1 FROM agent_sites x WHERE x.agent_id = a.id))"
            " ORDER BY a.id",
            (site_id,),
        )
    ]


def agent_name(tx: Tx, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    row = tx.execute("SELECT name FROM agents WHERE id = ?", (agent_id,)).fetchone()
    return None if row is None else row[0]


def create_agent(tx: Tx, name: str, email: str) -> int:
    # (two at once with one email: the loser's insert violates the unique
    # email, the store runs that write again, and this check answers it)
    exists = tx.execute("SELECT 1 FROM agents WHERE email = ?", (email,)).fetchone()
    if exists:
        raise BadInput("email", "an agent with this email exists")
    new_id = tx.insert(
        "INSERT INTO agents(name, email, created_at) VALUES (?, ?, ?)", (name, email, tx.now)
    )
    return new_id


def set_presence(tx: Tx, agent_id: int, presence: str) -> None:
    tx.dialect.lock(tx, "agents", agent_id)
    row = tx.execute("SELECT presence FROM agents WHERE id = ?", (agent_id,)).fetchone()
    if row is None:
        raise NotFound("agent")
    if row[0] == presence:
        return
    tx.execute(
        "UPDATE agents SET presence = ?, presence_at = ? WHERE id = ?", (presence, tx.now, agent_id)
    )
    # the history `presence.py` reports from: every change, from this instant on
    tx.execute(
        "INSERT INTO presence_changes(agent_id, at, status) VALUES (?, ?, ?)",
        (agent_id, tx.now, presence),
    )
    tx.emit(
        "agent.presence",
        {"agent_id": agent_id, "name": agent_name(tx, agent_id), "presence": presence},
    )


def reset_presence(tx: Tx) -> int:
    """At start-up: nobody is connected yet, so nobody is online."""
    ids = [r[0] for r in tx.execute("SELECT id FROM agents WHERE presence != 'offline'")]
    for agent_id in ids:
        set_presence(tx, agent_id, "offline")
    return len(ids)
