"""domain.text.visible: each rule, on ASCII text and on text outside ASCII
(the patterns for the latter run only there)."""

from __future__ import annotations

import pytest

from chatsup.domain.text import has_bad_codepoints, visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[31mred\x07", "\u241b[31mred\u2407"),  # ESC, BEL: control pictures
        ("del\x7f", "del\u2421"),
        ("c1\x9b2J", "c1<9B>2J"),
        ("tab\tand\nline", "tab\tand\nline"),  # kept unless single_line
        ("caf\u00e9 \u202eevil", "caf\u00e9 <U+202E>evil"),  # bidi override
        ("zero\u200bwidth\ufeff", "zero<U+200B>width<U+FEFF>"),
        ("para\u2029graph", "para<U+2029>graph"),
        ("lone \ud800 half", "lone \ufffd half"),
        ("z" + "\u0301" * 9, "z" + "\u0301" * 4),  # Zalgo cut to 4 marks
        ("e\u0301\u0302", "e\u0301\u0302"),  # a few marks stay
        ("\x1b and \u202e", "\u241b and <U+202E>"),  # both kinds in one text
        ("日本語 😀", "日本語 😀"),
    ],
)
def test_visible(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_visible_single_line() -> None:
    assert visible("a\nb\tc\u202e", single_line=True) == "a \u21b5 b c<U+202E>"
    assert visible(None) == "" and visible("") == ""


def test_bad_codepoints() -> None:
    assert has_bad_codepoints("ok \x1b") is None
    assert has_bad_codepoints("nul\x00") == "contains a NUL character"
    assert has_bad_codepoints("x\udfff") == "contains a lone surrogate"
