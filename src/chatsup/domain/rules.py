"""The product's rules, once, as pure Python.

Where the store must compute the same thing in SQL (to filter or count
rows), the SQL twin sits in `chatsup.server.store.rules_sql`, and
tests/test_rules.py proves each twin and its rule agree row for row.

Conversations
- status: `ended` once ended; else `answered` once an answer was sent; else
  `unanswered` once the visitor wrote; else `open`.
- unanswered: the visitor wrote and nobody answered (ended or not).
- waiting (the advisors' desk): not ended, nobody holds it, the visitor wrote.
- an answer: a message to the visitor from an agent or a supervisor; a
  supervisor's note (internal) never is.
- the conversation's advisor: the agent holding it (set by the first answer
  or a transfer), else the advisor presented to the visitor.
- who may act on a chat (ownership): an advisor writes to, ends, and gets
  the events of only the chats it holds or that nobody holds (they wait for
  any advisor); a supervisor's transfer changes the holder. A supervisor's
  note is seen by the holder only, never by the visitor. Calls likewise: an
  agent changes only its own calls or calls nobody holds.
- end reasons: `agent` (an advisor ended it), `idle` (no message for
  `[server] idle_end_s`: the server ended it).

Calls
- states and the allowed moves between them; end reasons.
- duration: answered → ended (talk time); never answered but over: 0 s;
  still ringing or in progress: none yet.
- outcome (the Calls summary): `answered` if ever answered, else its state
  (`ringing`, `missed`, `rejected`, `failed`); the outcomes add up to the
  total.
"""

from __future__ import annotations

from typing import Final

# -- conversations ------------------------------------------------------------

CONVERSATION_STATUSES: Final = ("open", "ended", "answered", "unanswered")
# why a conversation ended: an advisor ended it, or nobody wrote for
# `[server] idle_end_s` (the server ends it)
CONVERSATION_END_REASONS: Final = ("agent", "idle")
ANSWER_SENDERS: Final = frozenset({"agent", "supervisor"})


def is_answer(sender: str, internal: bool = False) -> bool:
    """Whether a message answers the visitor (a note never does)."""
    return sender in ANSWER_SENDERS and not internal


def is_answered(answers: int) -> bool:
    return answers > 0


def is_unanswered(visitor_messages: int, answers: int) -> bool:
    return visitor_messages > 0 and answers == 0


def conversation_status(ended_at: float | None, visitor_messages: int, answers: int) -> str:
    if ended_at is not None:
        return "ended"
    if is_answered(answers):
        return "answered"
    return "unanswered" if visitor_messages > 0 else "open"


def shown_status(status: str, unanswered: bool) -> str:
    """The one word a list shows for a conversation: an ended chat that no
    one answered says "unanswered" (what a supervisor acts on), else its
    status (`conversation_status`)."""
    return "unanswered" if unanswered and status == "ended" else status


def matches_status(
    status: str, ended_at: float | None, visitor_messages: int, answers: int
) -> bool:
    """The `status` filter of the conversation lists: `open` and `ended` by
    the end; `answered` and `unanswered` whether ended or not."""
    if status == "open":
        return ended_at is None
    if status == "ended":
        return ended_at is not None
    if status == "answered":
        return is_answered(answers)
    if status == "unanswered":
        return is_unanswered(visitor_messages, answers)
    raise ValueError(status)


def is_waiting(ended_at: float | None, holder_id: int | None, visitor_messages: int) -> bool:
    """Waits for any advisor: not ended, held by nobody, the visitor wrote."""
    return ended_at is None and holder_id is None and visitor_messages > 0


def conversation_advisor(holder_id: int | None, presented_id: int | None) -> int | None:
    """The advisor a conversation counts for."""
    return holder_id if holder_id is not None else presented_id


def may_handle(agent_id: int, holder_id: int | None) -> bool:
    """Whether an advisor may act on a chat or a call held by `holder_id`
    (write to it, end it, get its events): its own, or one nobody holds."""
    return holder_id is None or holder_id == agent_id


def sees_note(agent_id: int, holder_id: int | None) -> bool:
    """Whether an advisor sees a supervisor's note: only the one holding the chat."""
    return holder_id is not None and holder_id == agent_id


def reaches_visitor(sender: str, internal: bool = False) -> bool:
    """Whether a message goes to the visitor's widget: an answer (an agent's
    or a supervisor's message), never a note, never the visitor's own."""
    return is_answer(sender, internal)


# -- calls --------------------------------------------------------------------

CALL_STATES: Final = ("ringing", "answered", "missed", "rejected", "failed", "ended")
CALL_OUTCOMES: Final = ("answered", "missed", "rejected", "failed", "ringing")
END_REASONS: Final = (
    "visitor_hangup",
    "agent_hangup",
    "no_answer",
    "rejected",
    "busy",
    "network_error",
    "timeout",
)
# ringing → answered/missed/rejected/failed; answered → ended/failed. The
# other states are terminal.
CALL_MOVES: Final[dict[str, frozenset[str]]] = {
    "ringing": frozenset({"answered", "missed", "rejected", "failed"}),
    "answered": frozenset({"ended", "failed"}),
}


def can_move(state: str, to: str) -> bool:
    return to in CALL_MOVES.get(state, frozenset())


def is_terminal(state: str) -> bool:
    return state in CALL_STATES and state not in CALL_MOVES


def call_duration(answered_at: float | None, ended_at: float | None) -> float | None:
    if ended_at is None:
        return None
    if answered_at is None:
        return 0.0
    return ended_at - answered_at


def call_outcome(state: str, answered_at: float | None) -> str:
    """Which Calls-summary count a call falls in (each call in exactly one)."""
    if answered_at is not None or state in ("answered", "ended"):
        return "answered"
    return state
