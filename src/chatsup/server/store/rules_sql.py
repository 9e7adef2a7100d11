"""The SQL twins of `chatsup.domain.rules`: where a query must filter or count
by a rule, it uses the expression here, never its own. Each takes the alias
of the table it reads (`c` in lists, `x` in reports). tests/test_rules.py
runs every twin against its Python rule over a table of cases.

An answer is counted in `conversations.agent_messages` (every message that
`rules.is_answer` accepts adds one), so "answered" reads that column.
"""

from __future__ import annotations

from chatsup.domain import rules


def answered_sql(a: str = "c") -> str:
    return f"{a}.agent_messages > 0"


def unanswered_sql(a: str = "c") -> str:
    return f"({a}.visitor_messages > 0 AND {a}.agent_messages = 0)"


def status_sql(a: str = "c") -> str:
    return (
        f"CASE WHEN {a}.ended_at IS NOT NULL THEN 'ended'"
        f" WHEN {answered_sql(a)} THEN 'answered'"
        f" WHEN {a}.visitor_messages > 0 THEN 'unanswered' ELSE 'open' END"
    )


def status_condition(status: str, a: str = "c") -> str:
    """`rules.matches_status`: the conversation lists' `status` filter."""
    return {
        "open": f"{a}.ended_at IS NULL",
        "ended": f"{a}.ended_at IS NOT NULL",
        "answered": answered_sql(a),
        "unanswered": unanswered_sql(a),
    }[status]


def waiting_sql(a: str = "c", holder: str | None = None) -> str:
    """`rules.is_waiting`. `holder` may pass the holder column written as an
    index hint (`+c.agent_id`)."""
    h = holder or f"{a}.agent_id"
    return f"({a}.ended_at IS NULL AND {h} IS NULL AND {a}.visitor_messages > 0)"


def advisor_sql(a: str = "c") -> str:
    """`rules.conversation_advisor`: the holder, else the advisor presented in
    the conversation's session."""
    return (
        f"coalesce({a}.agent_id,"
        f" (SELECT s.presented_agent_id FROM sessions s WHERE s.id = {a}.session_id))"
    )


def call_duration_sql(a: str = "c") -> str:
    return (
        f"CASE WHEN {a}.ended_at IS NULL THEN NULL"
        f" WHEN {a}.answered_at IS NULL THEN 0.0"
        f" ELSE {a}.ended_at - {a}.answered_at END"
    )


def call_outcome_sql(a: str = "c") -> str:
    return (
        f"CASE WHEN {a}.answered_at IS NOT NULL OR {a}.state IN ('answered', 'ended')"
        f" THEN 'answered' ELSE {a}.state END"
    )


CALL_OUTCOMES = rules.CALL_OUTCOMES
