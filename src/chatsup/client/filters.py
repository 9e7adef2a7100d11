"""The filters shared by every list, report and export — the one definition the
console's filter banner edits and every request sends — and the one rule
that says whether a live conversation belongs in a list with them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chatsup.domain import rules, timerange
from chatsup.domain.labels import chat_id

if TYPE_CHECKING:
    from chatsup.domain.models import ConversationItem

Params = dict[str, str | list[str]]

# The multi-select fields and the one query key each is sent as, with the
# single-value field it joins (`agent_id=3, agent_ids=(1, 3)` sends 1 and 3).
MULTI = {"agent_ids": "agent_id", "site_ids": "site_id", "statuses": "status"}


@dataclass(frozen=True)
class Filters:
    """`since`/`until`: a date (read in the company time zone by the server;
    `until` inclusive) or a datetime. `q`: full-text search. `status` and
    `has_profile` apply to the lists that know them.

    Multi-select: `agent_ids`, `site_ids`, `statuses` (any of the values
    within a key, all keys together), sent as the repeated keys `agent_id`,
    `site_id`, `status` together with the single-value field of that key."""

    since: date | datetime | None = None
    until: date | datetime | None = None
    agent_id: int | None = None
    site_id: int | None = None
    visitor_id: int | None = None
    q: str | None = None
    status: str | None = None
    has_profile: bool | None = None
    agent_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()

    def to_params(self) -> Params:
        """Query parameters: dates as YYYY-MM-DD, datetimes as ISO 8601,
        booleans as true/false; None (and blank text) is left out. A key
        with several values maps to their list (each once, in order)."""
        out: Params = {}
        for f in dataclasses.fields(self):
            if f.name in MULTI:
                continue
            value = _param(getattr(self, f.name))
            if value is not None:
                out[f.name] = value
        for field, key in MULTI.items():
            values = [v for v in map(_param, getattr(self, field)) if v is not None]
            single = out.get(key)
            merged = list(dict.fromkeys([*([single] if isinstance(single, str) else []), *values]))
            if len(merged) == 1:
                out[key] = merged[0]
            elif merged:
                out[key] = merged
        return out

    def values(self, key: str) -> tuple[Any, ...]:
        """Every value selected for `agent_id`, `site_id` or `status` (the
        single field and the multi-select together)."""
        field = next(f for f, k in MULTI.items() if k == key)
        single = getattr(self, key)
        return tuple(dict.fromkeys([*([] if single is None else [single]), *getattr(self, field)]))

    def replace(self, **changes: Any) -> Filters:
        """A copy with some fields changed (`None` clears one)."""
        return dataclasses.replace(self, **changes)

    @property
    def is_empty(self) -> bool:
        return not self.to_params()


def _param(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, datetime):  # before date: datetime is a date
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value if value.strip() else None
    return str(value)


def conversation_matches(item: ConversationItem, f: Filters, tz: ZoneInfo) -> bool | None:
    """Whether the conversation list asked with `f` holds `item` (a live
    row): the server's rule (store/conversations.py) from the item's own
    facts. The advisor is the conversation's (`item.advisor`,
    rules.conversation_advisor); the dates are read in `tz` as the server
    reads them (timerange.resolve: a date `until` inclusive, a datetime
    exclusive); several values within a key: any of them.

    None: it cannot tell — with a search text the server matches message
    text the item does not carry (a list keeps the rows it shows and adds
    none); every other filter still answers False when it fails."""
    if f.visitor_id is not None and item.visitor.id != f.visitor_id:
        return False
    sites = f.values("site_id")
    if sites and item.site.id not in sites:
        return False
    agents = f.values("agent_id")
    if agents and (item.advisor is None or item.advisor.id not in agents):
        return False
    lo, hi = timerange.resolve(f.since, f.until, tz)
    at = item.started_at.timestamp()
    if (lo is not None and at < lo) or (hi is not None and at >= hi):
        return False
    statuses = f.values("status")
    if statuses and not any(_has_status(item, s) for s in statuses):
        return False
    if (chat := chat_id(f.q)) is not None:  # `#123`: that chat only
        return item.id == chat
    return None if f.q and f.q.strip() else True


def _has_status(item: ConversationItem, status: str) -> bool:
    """rules.matches_status from the item's facts. A conversation starts with
    its visitor's first message (the only way one is opened), so an ended one
    that is not unanswered was answered; an open one says it by its status."""
    if item.ended_at is None:
        ended = None
        visitor = int(item.status != "open")
        answers = int(item.status == "answered")
    else:
        ended = item.ended_at.timestamp()
        visitor = 1
        answers = int(not item.unanswered)
    try:
        return rules.matches_status(status, ended, visitor, answers)
    except ValueError:  # not a conversation status: the server refuses it (422)
        return False
