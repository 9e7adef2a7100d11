"""Lists: the filters every list and report shares, keyset cursors and pages."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from chatsup.server.store.errors import BadInput

MAX_LIMIT = 500


# -- keyset cursors -----------------------------------------------------------


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list[Any] | None:
    """The key a cursor holds, checked against the expected shape."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError) as e:
        raise BadInput("cursor", "not a cursor this server issued") from e
    if not isinstance(key, list) or len(key) != len(shape):
        raise BadInput("cursor", "not a cursor for this list")
    for value, kind in zip(key, shape, strict=True):
        ok = isinstance(value, int | float) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool):
            raise BadInput("cursor", "not a cursor for this list")
    return key


# -- filters ------------------------------------------------------------------

# How many values one repeated filter key may carry (`?agent_id=1&agent_id=4…`).
MAX_VALUES = 100


def one_of(values: tuple[Any, ...]) -> str:
    """The SQL test "is any of `values`": `= ?` for one, `IN (?, …)` for more."""
    return "= ?" if len(values) == 1 else f"IN ({', '.join('?' * len(values))})"


def check_status(f: ListFilter, allowed: tuple[str, ...] = ()) -> None:
    """A 422 naming `status` unless every value is one of `allowed` (none
    allowed: this list, report or statistic has no status)."""
    if not f.statuses:
        return
    if not allowed:
        raise BadInput("status", "filters conversations, offline messages and calls only")
    for value in f.statuses:
        if value not in allowed:
            raise BadInput("status", f"must be one of {', '.join(allowed)}")


@dataclass(frozen=True)
class ListFilter:
    """The filters every list and report shares, resolved to epoch bounds.

    `agent_ids`, `site_ids` and `statuses` are the values of a repeated key:
    a row matches any value within a key, and every key (API.md, Filters).
    Empty: not filtered. Kept sorted and without duplicates (`multi`), so
    equal selections are equal filters (and report cache keys)."""

    since: float | None = None
    until: float | None = None  # exclusive
    agent_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()
    visitor_id: int | None = None
    q: str | None = None
    statuses: tuple[str, ...] = ()
    has_profile: bool | None = None
    limit: int = 50
    cursor: str | None = None

    def where(
        self,
        *,
        time_col: str,
        agent_col: str | None = None,
        site_col: str | None = None,
        visitor_col: str | None = None,
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions and parameters for the shared filters."""
        conds: list[str] = []
        params: list[Any] = []
        if self.since is not None:
            conds.append(f"{time_col} >= ?")
            params.append(self.since)
        if self.until is not None:
            conds.append(f"{time_col} < ?")
            params.append(self.until)
        for col, values in (
            (agent_col, self.agent_ids),
            (site_col, self.site_ids),
            (visitor_col, () if self.visitor_id is None else (self.visitor_id,)),
        ):
            if col is not None and values:
                conds.append(f"{col} {one_of(values)}")
                params.extend(values)
        return conds, params


def multi(values: Any) -> tuple[Any, ...]:
    """A repeated key's values as `ListFilter` keeps them: sorted, unique."""
    return tuple(sorted(set(values)))


def keyset(f: ListFilter, time_col: str, id_col: str) -> tuple[list[str], list[Any]]:
    """The condition that continues a newest-first list after the cursor."""
    key = decode_cursor(f.cursor, (float, int))
    if key is None:
        return [], []
    return [f"({time_col} < ? OR ({time_col} = ? AND {id_col} < ?))"], [key[0], key[0], key[1]]


def page(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Cut one extra row off and make the cursor from the last kept one."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(*key(rows[-1]))
    return rows, None


def and_(conds: list[str]) -> str:
    return (" WHERE " + " AND ".join(conds)) if conds else ""
