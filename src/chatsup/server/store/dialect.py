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
    from chatsup.server.store.tx import Rx, Tx


class Dialect(Protocol):
    name: str

    # -- expressions ------------------------------------------------------
    def greatest(self, a: str, b: str) -> str: ...
    def greatest_int(self, a: str, b: str) -> str: ...
    def is_(self, col: str) -> str: ...
    def count_if(self, condition: str) -> str: ...
    def no_index(self, col: str) -> str: ...
    def true(self) -> str: ...
    def join_texts(self, col: str) -> str: ...

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

    # -- write races ------------------------------------------------------
    def lock(self, tx: Rx, table: str, row_id: int) -> None: ...
    def lock_commit_order(self, tx: Tx) -> None: ...


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

    def true(self) -> str:
        """A condition that always holds."""
        return "1"

    def join_texts(self, col: str) -> str:
        """The column's texts over the rows, joined by commas (NULL over none)."""
        return f"group_concat({col})"

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

    def lock(self, tx: Rx, table: str, row_id: int) -> None:
        """Nothing: SQLite has one writer, whose transaction holds the
        whole database."""

    def lock_commit_order(self, tx: Tx) -> None:
        """Nothing: SQLite's one writer sees every committed write, and no
        other write runs until its transaction ends."""


# The text searched in profiles and offline messages (their tsvector's source).
PG_PROFILE_TEXT = (
    "coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')"
    " || ' ' || coalesce(notes, '')"
)
PG_OFFLINE_TEXT = "body || ' ' || coalesce(name, '') || ' ' || coalesce(email, '')"

# The searched text of each FTS5 table, as PostgreSQL holds it: (table, id
# column, text a snippet is cut from); the tsvector column is `search`.
_PG_FTS = {
    "messages_fts": ("messages", "id", "body"),
    "profiles_fts": ("profiles", "visitor_id", PG_PROFILE_TEXT),
    "offline_fts": ("offline_messages", "id", PG_OFFLINE_TEXT),
}
_PG_TSQUERY = "to_tsquery('chatsup_search', ?)"


def pg_fts_query(text: str | None) -> str | None:
    """The user's words as a tsquery: every word must match, a word ending
    in `*` as a prefix; the same words as `fts_query` (search.py) takes, so
    no input can make the query fail."""
    words = fts_query(text)
    if words is None:
        return None
    terms = []
    for term in words.split(" "):
        prefix = term.endswith("*")
        word = term.strip('*"').replace("'", "''")
        terms.append(f"'{word}'" + (":*" if prefix else ""))
    return " & ".join(terms)


_LOCKABLE = frozenset({"visitors", "conversations", "calls", "agents"})


class PgDialect:
    """PostgreSQL's text for the statements of `Dialect`
    (shared/design/SCALE-OUT.md §1, §4)."""

    name = "postgresql"

    def greatest(self, a: str, b: str) -> str:
        return f"greatest({a}, {b})"

    def greatest_int(self, a: str, b: str) -> str:
        return f"CAST(greatest(CAST({a} AS bigint), CAST({b} AS bigint)) AS text)"

    def is_(self, col: str) -> str:
        return f"{col} IS NOT DISTINCT FROM ?"

    def count_if(self, condition: str) -> str:
        return f"count(*) FILTER (WHERE {condition})"

    def no_index(self, col: str) -> str:
        return col

    def true(self) -> str:
        return "TRUE"

    def join_texts(self, col: str) -> str:
        return f"string_agg({col}, ',')"

    def indexed_by(self, table: str, index: str) -> str:
        return table

    def driving_join(self) -> str:
        return "JOIN"

    def fts_query(self, text: str | None) -> str | None:
        return pg_fts_query(text)

    def fts_ids(self, fts: str) -> str:
        table, key, _text = _PG_FTS[fts]
        return f"SELECT {key} FROM {table} WHERE search @@ {_PG_TSQUERY}"

    def fts_scan(self, fts: str, *, below: bool) -> str:
        table, key, _text = _PG_FTS[fts]
        bound = f" AND {key} < ?" if below else ""
        return (
            f"SELECT {key} FROM {table} WHERE search @@ {_PG_TSQUERY}{bound}"
            f" ORDER BY {key} DESC LIMIT ?"
        )

    def fts_hit(self, fts: str) -> str:
        table, key, _text = _PG_FTS[fts]
        return f"SELECT 1 FROM {table} WHERE search @@ {_PG_TSQUERY} AND {key} = ?"

    def fts_snippet(self, fts: str, words: int) -> str:
        table, key, text = _PG_FTS[fts]
        return (
            f"SELECT ts_headline('chatsup_search', {text}, q.q, 'StartSel=\"' || q.o"
            f" || '\", StopSel=\"' || q.c || '\", MaxWords={int(words)},"
            f" MinWords={max(int(words) - 1, 1)}, ShortWord=0')"
            f" FROM (SELECT CAST(? AS text) AS o, CAST(? AS text) AS c, {_PG_TSQUERY} AS q) q,"
            f" {table} WHERE search @@ q.q AND {key} = ?"
        )

    def intervals_cte(self) -> str:
        return (
            "WITH b AS (SELECT CAST(value->>0 AS integer) AS i,"
            " CAST(value->>1 AS double precision) AS s, CAST(value->>2 AS double precision) AS e"
            " FROM json_array_elements(CAST(? AS json)))"
        )

    def next_visitor_number(self) -> str:
        return "SELECT nextval('visitor_number')"

    def latest_event_id(self, rx: Rx) -> int:
        return int(rx.scalar("SELECT last_id FROM stream_head") or 0)

    def lock(self, tx: Rx, table: str, row_id: int) -> None:
        """Lock a row until the write's transaction ends, before a write
        reads what it will decide on (writers in other processes, or other
        engines' writer threads, wait for it): a check-then-write becomes
        one step (shared/design/SCALE-OUT.md §1, "Races")."""
        if table not in _LOCKABLE:
            raise ValueError(f"no row lock for {table!r}")
        tx.execute(f"SELECT 1 FROM {table} WHERE id = ? FOR UPDATE", (row_id,))

    def lock_commit_order(self, tx: Tx) -> None:
        """Take the counter row that orders commits (stream_head: a batch
        that records report touches locks it as it commits, schema_pg.py)
        until this transaction ends. After it, every touch committed so far
        is visible (READ COMMITTED: each statement reads what has committed
        before it starts), and a touch not yet made runs after this
        transaction commits, so the rollups it must delete are there to
        delete (store/rollups.py `save`). The counter row must be the last
        lock a transaction takes (else two batches can deadlock: one holds
        it and waits for a row the other holds while waiting for it), so
        the write's batch commits right after it (db.py)."""
        tx.execute("SELECT 1 FROM stream_head FOR UPDATE")
        tx.commit_order_locked = True
