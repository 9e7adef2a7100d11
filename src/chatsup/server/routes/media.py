"""Media shared by visitors: the upload (`POST /v1/widget/media`) and the
download (`GET /v1/media/{id}`) — its visitor, the advisor holding the chat,
supervisors; anyone else 403.

The type is sniffed from the bytes against an allow-list
(`chatsup.domain.media`); it is served as that type, `nosniff`, under a
`default-src 'none'` policy, and as an attachment unless it is an image, so
a file never runs as a page of this origin."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from chatsup.domain import media as rules
from chatsup.server.auth import require
from chatsup.server.errors import ApiError
from chatsup.server.multipart import file_field
from chatsup.server.params import PathId, check_text, json
from chatsup.server.routes.widget import visitor
from chatsup.server.store import BadInput
from chatsup.server.store import media as store

router = APIRouter(tags=["media"])

UPLOAD_PATH = "/v1/widget/media"
# What multipart framing may add to a file of `max_media_bytes` (boundaries,
# part headers): the body limit of the upload route is the sum.
FRAMING_BYTES = 16 * 1024


# the body as /docs shows it (the route reads it itself, bounded by BodyLimit)
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(UPLOAD_PATH, status_code=201, tags=["widget"], openapi_extra=UPLOAD_BODY)
async def upload(request: Request) -> Response:
    """Multipart field `file` → 201 `{media_id, name, type, size}`; over
    `server.max_media_bytes`: 413; a type outside the allow-list: 415."""
    p = await visitor(request)
    assert p.subject_id is not None  # a visitor token always names its visitor
    most = request.app.state.settings.server.max_media_bytes
    body = await request.body()
    name, data = file_field(request.headers.get("content-type"), body, "file")
    if len(data) > most:
        raise ApiError(413, "too_large", f"file: larger than {most} bytes", "file")
    if not data:
        raise BadInput("file", "empty file")
    stored = await request.app.state.store.read(store.stored_bytes, p.subject_id)
    quota = request.app.state.settings.server.max_media_bytes_per_visitor
    if stored + len(data) > quota:
        raise ApiError(
            413, "too_large", f"file: this visitor's files would pass {quota} bytes", "file"
        )
    kind = rules.sniff(data)
    if kind is None:
        raise ApiError(
            415,
            "unsupported_media_type",
            "file: not an image (PNG, JPEG, GIF, WebP), a PDF or plain text",
            "file",
        )
    clean = rules.clean_name(name)
    check_text("file", clean)
    out = await request.app.state.store.write(store.save_media, p.subject_id, clean, kind, data)
    return json(out, 201)


def _disposition(kind: str, name: str) -> str:
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in name)
    how = "inline" if rules.is_image(kind) else "attachment"
    return f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/v1/media/{media_id}")
async def download(media_id: PathId, request: Request) -> Response:
    """The bytes, as their sniffed type (see the module)."""
    p = await require(request, "visitor", "agent", "supervisor")
    found = await request.app.state.store.read(store.media_for, media_id, p.role, p.subject_id)
    if found is None:
        raise ApiError(403, "forbidden", "this media is not yours to read")
    return Response(
        found["data"],
        media_type=found["type"],
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
            "Content-Disposition": _disposition(found["type"], found["name"]),
            "Cache-Control": "private, no-store",
        },
    )
