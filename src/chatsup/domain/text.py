"""One place for the rules about untrusted text.

`visible()` is what every renderer of visitor-typed text calls before drawing
it: terminals act on raw ESC/C1 bytes even when Rich markup is off, so control
characters become visible placeholders and invisible format characters (bidi
overrides, zero-width) are shown as `<U+XXXX>`. `spreadsheet_safe()` is what
every export calls on a cell.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# C0 controls except TAB and LF become the Unicode "control pictures" (U+2400
# block), DEL becomes ␡, C1 controls become <XX> hex placeholders.
_C0_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_TABLE: dict[int, str] = {**_C0_PICTURES, 0x7F: "\u2421"}
_TABLE.update({c: f"<{c:02X}>" for c in range(0x80, 0xA0)})

# Unicode format characters that reorder or hide text, and the line and
# paragraph separators (categories Zl, Zp: U+2028, U+2029), which break a line
# in some renderers and not in others.
_FORMAT = (
    "[\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
# Runs of combining marks longer than this are cut ("Zalgo" floods).
_MAX_COMBINING = 4
_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_SURROGATE = "[\ud800-\udfff]"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The patterns for text outside ASCII, compiled when first needed
    (~0.8 ms at import, before the console's first rows: issue 14, P7)."""
    return (
        re.compile(_FORMAT),
        re.compile(_SURROGATE),
        re.compile(f"({_MARKS}{{{_MAX_COMBINING}}}){_MARKS}+"),
    )


def visible(text: str | None, *, single_line: bool = False) -> str:
    """Text made safe to draw on a terminal, with every control made visible."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():  # nothing to change: most text
        return text
    out = text.translate(_TABLE)
    if not text.isascii():  # format characters, surrogates and marks lie outside ASCII
        fmt, surrogate, combining_run = _patterns()
        out = fmt.sub(lambda m: f"<U+{ord(m.group()):04X}>", out)
        out = surrogate.sub("\ufffd", out)
        out = combining_run.sub(r"\1", out)
    if single_line:
        out = out.replace("\n", " \u21b5 ").replace("\t", " ")
    return out


def preview(text: str | None, width: int = 80) -> str:
    """A one-line visible preview, cut to `width` characters."""
    out = visible(text, single_line=True)
    return out if len(out) <= width else out[: width - 1] + "\u2026"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def has_bad_codepoints(text: str) -> str | None:
    """Why a string cannot be stored as typed (NUL, lone surrogates), or None."""
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii() and _patterns()[1].search(text):
        return "contains a lone surrogate"
    return None


def is_printable_name(text: str) -> bool:
    return all(
        unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp")
        for c in text
    )
