"""Each SQL twin of store/rules_sql.py answers what its Python rule of
domain/rules.py answers, row for row, over every combination of the columns
the rule reads (rows written into a real, migrated store)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatsup.domain import rules
from chatsup.server.store import Rx, Store, Tx, sites
from chatsup.server.store import agents as agents_store
from chatsup.server.store import rules_sql as sql


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "rules.db")
    try:
        yield s
    finally:
        s.close()


CONVERSATION_CASES = list(
    itertools.product(
        (None, 50.0),  # ended_at
        (None, "holder"),  # agent_id
        (None, "presented", "nobody"),  # the session's presented advisor (or no session)
        (0, 1, 3),  # visitor_messages
        (0, 2),  # agent_messages (answers)
    )
)


def _conversations(tx: Tx, agents: dict[str, int]) -> list[tuple[int, tuple[Any, ...]]]:
    site = sites.create_site(tx, "S", "s.example")["id"]
    visitor = tx.insert(
        "INSERT INTO visitors(number, first_seen_at, last_seen_at) VALUES (1, 0, 0)", ()
    )
    out = []
    for case in CONVERSATION_CASES:
        ended_at, holder, presented, vm, am = case
        session_id = None
        if presented is not None:
            session_id = tx.insert(
                "INSERT INTO sessions(visitor_id, site_id, started_at, last_seen_at,"
                " presented_agent_id) VALUES (?, ?, 0, 0, ?)",
                (visitor, site, agents.get(presented)),
            )
        cid = tx.insert(
            "INSERT INTO conversations(visitor_id, site_id, session_id, agent_id, started_at,"
            " ended_at, visitor_messages, agent_messages) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            (visitor, site, session_id, agents.get(holder or ""), ended_at, vm, am),
        )
        out.append((cid, case))
    return out


def _agents(tx: Tx) -> dict[str, int]:
    return {
        "holder": agents_store.create_agent(tx, "Holder", "h@example.com"),
        "presented": agents_store.create_agent(tx, "Shown", "p@example.com"),
    }


def _eval(rx: Rx, table: str, expr: str, row_id: int, alias: str) -> Any:
    return rx.scalar(f"SELECT {expr} FROM {table} {alias} WHERE {alias}.id = ?", (row_id,))


def test_conversation_twins_agree(store: Store) -> None:
    def setup(tx: Tx) -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
        agents = _agents(tx)
        return agents, _conversations(tx, agents)

    agents, rows = store.write_sync(setup)
    assert len(rows) == 72

    def check(rx: Rx) -> int:
        checked = 0
        for cid, (ended_at, holder, presented, vm, am) in rows:
            for a in ("c", "x"):
                one = lambda e, a=a, cid=cid: _eval(rx, "conversations", e, cid, a)  # noqa: E731
                assert one(sql.status_sql(a)) == rules.conversation_status(ended_at, vm, am)
                assert bool(one(sql.answered_sql(a))) == rules.is_answered(am)
                assert bool(one(sql.unanswered_sql(a))) == rules.is_unanswered(vm, am)
                holder_id = agents.get(holder or "")
                assert bool(one(sql.waiting_sql(a))) == rules.is_waiting(ended_at, holder_id, vm)
                assert bool(one(sql.waiting_sql(a, holder=f"+{a}.agent_id"))) == (
                    rules.is_waiting(ended_at, holder_id, vm)
                )
                assert one(sql.advisor_sql(a)) == rules.conversation_advisor(
                    holder_id, agents.get(presented or "")
                )
                for status in rules.CONVERSATION_STATUSES:
                    assert bool(one(sql.status_condition(status, a))) == rules.matches_status(
                        status, ended_at, vm, am
                    ), (status, ended_at, vm, am)
                checked += 1
        return checked

    assert store.read_sync(check) == 144


CALL_CASES = list(
    itertools.product(
        rules.CALL_STATES,
        (None, 100.0),  # answered_at
        (None, 160.5),  # ended_at
    )
)


def test_call_twins_agree(store: Store) -> None:
    def setup(tx: Tx) -> list[tuple[int, tuple[Any, ...]]]:
        visitor = tx.insert(
            "INSERT INTO visitors(number, first_seen_at, last_seen_at) VALUES (1, 0, 0)", ()
        )
        out = []
        for case in CALL_CASES:
            state, answered_at, ended_at = case
            cid = tx.insert(
                "INSERT INTO calls(visitor_id, started_at, answered_at, ended_at, state)"
                " VALUES (?, 90, ?, ?, ?)",
                (visitor, answered_at, ended_at, state),
            )
            out.append((cid, case))
        return out

    rows = store.write_sync(setup)

    def check(rx: Rx) -> int:
        outcomes: set[str] = set()
        for cid, (state, answered_at, ended_at) in rows:
            got = _eval(rx, "calls", sql.call_duration_sql("c"), cid, "c")
            assert got == rules.call_duration(answered_at, ended_at)
            outcome = _eval(rx, "calls", sql.call_outcome_sql("c"), cid, "c")
            assert outcome == rules.call_outcome(state, answered_at)
            outcomes.add(outcome)
        return len(outcomes)

    # reachable outcomes are the summary's keys (ended never stands alone)
    assert store.read_sync(check) == len(rules.CALL_OUTCOMES)


def test_call_rules() -> None:
    assert rules.call_duration(None, 10.0) == 0.0  # a missed call: 0 s, in every answer
    assert rules.call_duration(5.0, None) is None
    assert rules.can_move("ringing", "answered") and not rules.can_move("ended", "failed")
    assert {s for s in rules.CALL_STATES if rules.is_terminal(s)} == {
        "missed",
        "rejected",
        "failed",
        "ended",
    }
    assert rules.is_answer("supervisor") and not rules.is_answer("supervisor", internal=True)
    assert not rules.is_answer("visitor")
