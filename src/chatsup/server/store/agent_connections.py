"""Agent presence across processes (PostgreSQL; shared/design/SCALE-OUT.md
"Presence"). Each process is an `instance` with a heartbeat, and a row in
`agent_connections` for each agent it holds sockets of (its own count stays
in the process). An agent goes online when its first socket on any process
opens, offline when its last one on every process closes, or when the
process that held it stops beating (the leader reaps it). A process reaped
while alive (slow, not dead: its lease ran out under load) registers again
with its next heartbeat, from the sockets it holds in memory. SQLite has one
process: it keeps counting in the process and resets presence at start.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatsup.server.store.agents import set_presence
from chatsup.server.store.tx import Tx


def _holders(tx: Tx, agent_id: int) -> int:
    return int(tx.scalar("SELECT count(*) FROM agent_connections WHERE agent_id = ?", (agent_id,)))


def start_instance(tx: Tx, instance: str) -> int:
    """At start: this process holds no socket yet (a restart under the same
    name forgets what it held). Agents online with no socket on any process
    go offline. Answers how many."""
    tx.execute(
        "INSERT INTO instances(id, started_at, heartbeat_at) VALUES (?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET started_at = excluded.started_at,"
        " heartbeat_at = excluded.heartbeat_at",
        (instance, tx.now, tx.now),
    )
    tx.execute("DELETE FROM agent_connections WHERE instance = ?", (instance,))
    ids = [
        r[0]
        for r in tx.execute(
            "SELECT id FROM agents WHERE presence != 'offline' AND NOT EXISTS"
            " (SELECT 1 FROM agent_connections c WHERE c.agent_id = agents.id) ORDER BY id"
        )
    ]
    for agent_id in ids:
        set_presence(tx, agent_id, "offline")
    return len(ids)


def _register(tx: Tx, instance: str) -> None:
    """This process's row, again if the leader reaped it."""
    tx.execute(
        "INSERT INTO instances(id, started_at, heartbeat_at) VALUES (?, ?, ?)"
        " ON CONFLICT(id) DO NOTHING",
        (instance, tx.now, tx.now),
    )


def heartbeat(tx: Tx, instance: str, held: Iterable[int] = ()) -> None:
    """This process is alive and holds sockets of the agents `held` (from
    its memory). Reaped meanwhile (its row and connections deleted: it was
    slow, not dead), it registers again, and its agents go online again;
    an agent it no longer holds a socket of (its last socket's offline write
    kept failing) is let go. The process's presence writes share one chain
    (`presence_chain`): a heartbeat never overtakes a socket's write."""
    cur = tx.execute("UPDATE instances SET heartbeat_at = ? WHERE id = ?", (tx.now, instance))
    if cur.rowcount == 0:
        _register(tx, instance)
    known = {
        r[0]
        for r in tx.execute(
            "SELECT agent_id FROM agent_connections WHERE instance = ?", (instance,)
        )
    }
    held = set(held)
    for agent_id in sorted(held - known):
        connected(tx, instance, agent_id)
    for agent_id in sorted(known - held):
        disconnected(tx, instance, agent_id)


def presence_chain(instance: str) -> tuple[str, str]:
    """The write chain (Store.write) of a process's presence writes."""
    return ("presence", instance)


def connected(tx: Tx, instance: str, agent_id: int) -> None:
    """This process's first socket of the agent opened (its row inserted
    again if it was reaped: its other agents come back at its heartbeat)."""
    tx.dialect.lock(tx, "agents", agent_id)  # counts and flips one at a time
    _register(tx, instance)
    tx.execute(
        "INSERT INTO agent_connections(instance, agent_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (instance, agent_id),
    )
    if _holders(tx, agent_id) == 1:
        set_presence(tx, agent_id, "online")


def disconnected(tx: Tx, instance: str, agent_id: int) -> None:
    """This process's last socket of the agent closed."""
    tx.dialect.lock(tx, "agents", agent_id)
    tx.execute(
        "DELETE FROM agent_connections WHERE instance = ? AND agent_id = ?", (instance, agent_id)
    )
    if _holders(tx, agent_id) == 0:
        set_presence(tx, agent_id, "offline")


def reap(tx: Tx, lease_s: float) -> list[str]:
    """Forget the processes silent for longer than the lease (the leader's
    janitor): their agents with no socket left elsewhere go offline."""
    dead = [
        r[0]
        for r in tx.execute(
            "SELECT id FROM instances WHERE heartbeat_at < ? ORDER BY id", (tx.now - lease_s,)
        )
    ]
    for instance in dead:
        agents = [
            r[0]
            for r in tx.execute(
                "SELECT agent_id FROM agent_connections WHERE instance = ? ORDER BY agent_id",
                (instance,),
            )
        ]
        for agent_id in agents:
            disconnected(tx, instance, agent_id)
        tx.execute("DELETE FROM instances WHERE id = ?", (instance,))
    return dead
