"""Media shared by visitors: the allow-list of types, sniffed from the bytes
(never from the name or the type the browser claims), and the name kept.

Allowed: PNG, JPEG, GIF, WebP images, PDF, and plain text (UTF-8 without
control characters other than tab, line feed, carriage return, form feed).
Anything else — HTML, SVG and scripts included, which would pass as text —
is still only ever served as `text/plain` with `nosniff`, as an attachment.
"""

from __future__ import annotations

import re
import unicodedata

TEXT = "text/plain; charset=utf-8"
IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")
ALLOWED = (*IMAGES, "application/pdf", TEXT)
MAX_NAME = 255

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(data: bytes) -> str | None:
    """The allowed type of these bytes, or None (not one we take)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _TEXT_CONTROLS.search(data):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT


def is_image(kind: str) -> bool:
    return kind in IMAGES


def clean_name(name: str | None) -> str:
    """The file name kept: its last path part, without control or format
    characters, at most MAX_NAME characters; "file" when nothing is left."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        c for c in name if unicodedata.category(c)[0] != "C" and c not in "\u2028\u2029"
    ).strip()
    return kept[:MAX_NAME] or "file"
