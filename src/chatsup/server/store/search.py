"""Turning a user's search text into a safe full-text query, and snippet marks."""

from __future__ import annotations

import re

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
