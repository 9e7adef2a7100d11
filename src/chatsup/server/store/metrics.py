"""The metric definitions, once, as SQL over one table each.

- page views: page-view rows.                    - visits: sessions started.
- visitors: distinct visitors with a session started in the bucket.
- new visitors: visitors whose first session started in the bucket.
- chats: conversations started in the bucket.
- unanswered: conversations with a visitor message and no agent message.
- first response: first visitor message → first agent message after it
  (the conversation's first answer, marked on that agent message).
- response time over every turn: each agent message that answers a run of
  visitor messages waited from the first message of that run (stored on the
  agent message); its mean is "average response time".
- a wait (first or every-turn) belongs to the bucket in which it began (the
  visitor message that started it, `waited_from`) and to the agent who
  answered it.
- calls, SMS, callbacks (reminders), offline messages: rows in the bucket.

A conversation's advisor is the agent who answered it, else the agent
presented to the visitor when the session began: so an unanswered chat
counts against the advisor the visitor was shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatsup.server.store.rules_sql import advisor_sql

CONVERSATION_ADVISOR = advisor_sql("x")  # rules.conversation_advisor


@dataclass(frozen=True)
class Source:
    """A table, its time column, and how the shared filters apply to it."""

    table: str
    time_col: str
    # a condition whose `= ?` `paging.one_of` widens to the values of a
    # repeated key (`IN (?, ?)`): any of the sites, any of the advisors
    site: str | None
    agent: str | None
    only: str | None = None  # a condition every row of the source meets (lets an index serve)


SOURCES: dict[str, Source] = {
    "page_views": Source(
        "page_views x",
        "x.at",
        "x.site_id = ?",
        "x.session_id IN (SELECT id FROM sessions WHERE presented_agent_id = ?)",
    ),
    "sessions": Source("sessions x", "x.started_at", "x.site_id = ?", "x.presented_agent_id = ?"),
    "conversations": Source(
        "conversations x", "x.started_at", "x.site_id = ?", f"{CONVERSATION_ADVISOR} = ?"
    ),
    "answers": Source(
        "messages x",
        "x.waited_from",
        "x.conversation_id IN (SELECT id FROM conversations WHERE site_id = ?)",
        "x.agent_id = ?",
        "x.waited_from IS NOT NULL",
    ),
    "first_answers": Source(
        "messages x",
        "x.waited_from",
        "x.conversation_id IN (SELECT id FROM conversations WHERE site_id = ?)",
        "x.agent_id = ?",
        "x.waited_from IS NOT NULL AND x.first_answer = 1",
    ),
    "calls": Source(
        "calls x",
        "x.started_at",
        "x.visitor_id IN (SELECT id FROM visitors WHERE site_id = ?)",
        "x.agent_id = ?",
    ),
    "sms": Source(
        "sms x",
        "x.at",
        "x.visitor_id IN (SELECT id FROM visitors WHERE site_id = ?)",
        "x.agent_id = ?",
    ),
    "callbacks": Source(
        "callbacks x",
        "x.requested_at",
        "x.visitor_id IN (SELECT id FROM visitors WHERE site_id = ?)",
        "x.agent_id = ?",
    ),
    "offline_messages": Source("offline_messages x", "x.at", "x.site_id = ?", "x.handled_by = ?"),
}

# name -> (source, SQL aggregate over alias x)
METRICS: dict[str, tuple[str, str]] = {
    "page_views": ("page_views", "count(x.id)"),
    "visits": ("sessions", "count(x.id)"),
    "visitors": ("sessions", "count(DISTINCT x.visitor_id)"),
    "new_visitors": (
        "sessions",
        "count(DISTINCT CASE WHEN x.started_at = (SELECT v.first_seen_at"
        " FROM visitors v WHERE v.id = x.visitor_id)"
        " THEN x.visitor_id END)",
    ),
    "chats": ("conversations", "count(x.id)"),
    "answered": ("conversations", "coalesce(sum(x.agent_messages > 0), 0)"),
    "unanswered": (
        "conversations",
        "coalesce(sum(x.visitor_messages > 0 AND x.agent_messages = 0), 0)",
    ),
    "first_response_sum": ("first_answers", "sum(x.response_s)"),
    "first_response_n": ("first_answers", "count(x.response_s)"),
    "response_sum": ("answers", "sum(x.response_s)"),
    "response_n": ("answers", "count(x.response_s)"),
    "calls": ("calls", "count(x.id)"),
    "sms": ("sms", "count(x.id)"),
    "callbacks": ("callbacks", "count(x.id)"),
    "offline_messages": ("offline_messages", "count(x.id)"),
}


def mean(total: float | None, n: int | None) -> float | None:
    return None if not n else (total or 0.0) / n
