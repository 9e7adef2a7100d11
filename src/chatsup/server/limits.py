"""The request body limit (`server.max_body_bytes`), applied to every HTTP
route before anything reads or parses the body.

A declared Content-Length over the limit is answered 413 at once, unread; a
body without one (chunked) is counted as it arrives and refused at the first
byte past the limit. Either way the app never holds more than the limit.

`wider` names the few routes (method, path) with a limit of their own: the
media upload takes up to `server.max_media_bytes`; no other route does.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatsup.server.errors import error_response


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class BodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, wider: dict[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.wider = dict(wider or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.wider.get((scope["method"], scope["path"]), self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    status = 413 if declared > limit else 400
                    response = (
                        error_response(413, "too_large", _too_large(limit), "body")
                        if status == 413
                        else error_response(400, "bad_request", "bad Content-Length", "body")
                    )
                    response.headers["connection"] = "close"
                    await response(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # raised inside the route: the error handlers answer 413
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)
