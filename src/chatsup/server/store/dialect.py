"""The statements a second database writes its own way, behind one object.

Everything else the store runs is SQL both SQLite and PostgreSQL accept
(shared/design/SCALE-OUT.md §1). `Dialect` is what an engine must provide;
`SqliteDialect` is today's text, unchanged. Each method answers SQL text
(placeholders `?`) or, for the report cache's freshness mark and the event
log's head, asks the database itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from chatsup.server.store.search import fts_query

if TYPE_CHECKING:
    from chatsup.server.store.tx import Rx


class Dialect(Protocol):
    name: str

    # -- expressions ------------------------------------------------------
    def greatest(self, a: str, b: str) -> str: ...
    def greatest_int(self, a: str, b: str) -> str: ...
    def is_(self, col: str) -> str: ...
    def count_if(self, condition: str) -> str: ...
    def no_index(self, col: str) -> str: ...

    # -- planner hints ----------------------------------------------------
    def indexed_by(self, table: str, index: str) -> str: ...
    def driving_join(self) -> str: ...

    # -- full-text search -------------------------------------------------
    def fts_query(self, text: str | None) -> str | None: ...
    def fts_ids(self, fts: str) -> str: ...
    def fts_scan(self, fts: str, *, below: bool) -> str: ...
    def fts_hit(self, fts: str) -> str: ...
    def fts_snippet(self, fts: str, words: int) -> str: ...

    # -- reports ----------------------------------------------------------
    def intervals_cte(self) -> str: ...

    # -- counters and marks -----------------------------------------------
    def next_visitor_number(self) -> str: ...
    def latest_event_id(self, rx: Rx) -> int: ...


class SqliteDialect:
    name = "sqlite"

    def greatest(self, a: str, b: str) -> str:
        return f"max({a}, {b})"

    def greatest_int(self, a: str, b: str) -> str:
        return f"max(CAST({a} AS INTEGER), {b})"

    def is_(self, col: str) -> str:
        """`col` equals the parameter, NULL matching NULL."""
        return f"{col} IS ?"

    def count_if(self, condition: str) -> str:
        """How many rows meet the condition (0 over none)."""
        return f"coalesce(sum({condition}), 0)"

    def no_index(self, col: str) -> str:
        """The column, marked so the planner does not pick its index."""
        return f"+{col}"

    def indexed_by(self, table: str, index: str) -> str:
        return f"{table} INDEXED BY {index}"

    def driving_join(self) -> str:
        """A join that keeps its left side as the outer loop."""
        return "CROSS JOIN"

    def fts_query(self, text: str | None) -> str | None:
        return fts_query(text)

    def fts_ids(self, fts: str) -> str:
        """The ids of the rows matching the query (one `?`)."""
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH ?"

    def fts_scan(self, fts: str, *, below: bool) -> str:
        """Matching ids, newest first: query, [below id], limit."""
        bound = " AND rowid < ?" if below else ""
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH ?{bound} ORDER BY rowid DESC LIMIT ?"

    def fts_hit(self, fts: str) -> str:
        """1 if the row matches: query, id."""
        return f"SELECT 1 FROM {fts} WHERE {fts} MATCH ? AND rowid = ?"

    def fts_snippet(self, fts: str, words: int) -> str:
        """The matching words in context: open mark, close mark, query, id."""
        return (
            f"SELECT snippet({fts}, 0, ?, ?, '…', {int(words)}) FROM {fts}"
            f" WHERE {fts} MATCH ? AND rowid = ?"
        )

    def intervals_cte(self) -> str:
        """`b(i, s, e)` from one JSON parameter `[[i, start, end], …]`."""
        return "WITH b AS (SELECT value->>0 AS i, value->>1 AS s, value->>2 AS e FROM json_each(?))"

    def next_visitor_number(self) -> str:
        return "SELECT coalesce(max(number), 0) + 1 FROM visitors"

    def latest_event_id(self, rx: Rx) -> int:
        """The id the newest event got (pruned or not)."""
        return int(rx.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'events'") or 0)
