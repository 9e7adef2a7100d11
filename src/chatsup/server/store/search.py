"""Turning a user's search text into a safe full-text query, and snippet marks."""

from __future__ import annotations

import re
from typing import Any

from chatsup.domain.contact import PHONE_CHARS
from chatsup.domain.labels import visitor_number

SNIPPET_OPEN = "«"


SNIPPET_CLOSE = "»"


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str | None) -> str | None:
    """The user's words as an FTS5 query: every word must match, as a token.

    Quotes, operators and column filters typed by the user are taken as
    words, never as FTS5 syntax, so no input can make the query fail. A word
    ending in `*` is a prefix search.
    """
    if not text:
        return None
    terms: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group()
        prefix = text[m.end() : m.end() + 1] == "*"
        terms.append(f'"{word}"' + ("*" if prefix else ""))
        if len(terms) >= 16:
            break
    return " ".join(terms) if terms else None


# -- people: a visitor by name, email, phone or number -----------------------------

PHONE_KEY_DIGITS = 9  # a number's last 9 digits: 06 12 34 56 78 = +33 6 12 34 56 78


def phone_key(text: str | None) -> str | None:
    """What a phone search compares: the last 9 digits of a phone number as
    typed (the same `PHONE_CHARS` as `clean_phone`, at least 6 digits), so a
    national and an international spelling find one another."""
    t = (text or "").strip()
    digits = "".join(c for c in t if c.isdigit())
    if not t or not set(t) <= PHONE_CHARS or len(digits) < 6:
        return None
    return digits[-PHONE_KEY_DIGITS:]


def digits_sql(col: str) -> str:
    """`col` with every `PHONE_CHARS` character but the digits taken out (the
    SQL side of `phone_key`; tests/test_people_search.py checks they agree)."""
    out = col
    for c in sorted(PHONE_CHARS - set("0123456789")):
        out = f"replace({out}, '{c}', '')"
    return out


def people_condition(rx: Any, q: str | None, visitor_col: str) -> tuple[str | None, list[Any]]:
    """Rows whose visitor matches `q`: a profile's name, email, phone or notes
    (full text), the visitor number, or the phone's digits."""
    parts: list[str] = []
    params: list[Any] = []
    match = rx.dialect.fts_query(q)
    if match:
        parts.append(f"{visitor_col} IN ({rx.dialect.fts_ids('profiles_fts')})")
        params.append(match)
    number = visitor_number(q)
    if number is not None:
        parts.append(f"{visitor_col} IN (SELECT id FROM visitors WHERE number = ?)")
        params.append(number)
    key = phone_key(q)
    if key is not None:
        parts.append(
            f"{visitor_col} IN (SELECT visitor_id FROM profiles"
            f" WHERE phone IS NOT NULL AND {digits_sql('phone')} LIKE ?)"
        )
        params.append(f"%{key}%")
    if not parts:
        return None, []
    return "(" + " OR ".join(parts) + ")", params
