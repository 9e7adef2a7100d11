"""A `multipart/form-data` body, whole in memory (its size is bounded by the
body limit first), reduced to the one file field a route takes."""

from __future__ import annotations

import re
from email.message import Message

from chatsup.server.store import BadInput

_BOUNDARY = re.compile(r'boundary=(?:"([^"]{1,200})"|([^\s;"]{1,200}))', re.I)


def file_field(content_type: str | None, body: bytes, field: str) -> tuple[str | None, bytes]:
    """The file name and bytes of form field `field`; a BadInput naming it
    when the body is not multipart or has no such field."""
    m = _BOUNDARY.search(content_type or "")
    if not (content_type or "").lower().startswith("multipart/form-data") or m is None:
        raise BadInput(field, "send the file as multipart/form-data")
    delimiter = b"\r\n--" + (m.group(1) or m.group(2)).encode("latin-1")
    pieces = (b"\r\n" + body).split(delimiter)
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break  # the closing delimiter
        head, sep, data = piece.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip()] = value.strip()
        if headers.get_param("name", header="content-disposition") == field:
            filename = headers.get_filename()
            return (filename if isinstance(filename, str) else None), data
    raise BadInput(field, "no file in the form field")
