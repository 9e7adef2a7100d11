"""One error shape for every 4xx: {"error": {"code", "message", "field"?}}.

Bad input never becomes a 5xx: validation errors, store BadInput/NotFound and
HTTP exceptions are all mapped here.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from chatsup.server.store import BadInput, Forbidden, NotFound

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    err: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    if fields:
        err["fields"] = fields
    return Response(
        orjson.dumps({"error": err}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        fields: dict[str, str] = {}
        for e in exc.errors():
            kind = e.get("type", "")
            if kind == "json_invalid":
                return error_response(422, "invalid_json", "the body is not valid JSON", "body")
            fields.setdefault(_loc(e.get("loc", ())), str(e.get("msg", "invalid")))
        field, msg = next(iter(fields.items())) if fields else ("body", "invalid")
        return error_response(422, "invalid", f"{field}: {msg}", field, fields)

    @app.exception_handler(BadInput)
    async def _bad(_: Request, exc: BadInput) -> Response:
        return error_response(
            422, "invalid", f"{exc.field}: {exc.message}", exc.field, {exc.field: exc.message}
        )

    @app.exception_handler(NotFound)
    async def _nf(_: Request, exc: NotFound) -> Response:
        return error_response(404, "not_found", f"{exc.what} not found")

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> Response:
        return error_response(403, "forbidden", exc.message)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> Response:
        return error_response(422, "invalid", "a number is out of range", "body")

    async def _storage(request: Request, exc: Exception) -> Response:
        # Disk full, I/O error, a locked database, PostgreSQL restarting (its
        # sessions ended: the store opens new ones, db.py): the write was not
        # acknowledged, so nothing is lost; the client may retry. One line,
        # no traceback: a full disk would otherwise flood the log.
        log.error("storage error on %s %s: %s", request.method, request.url.path, str(exc)[:200])
        return error_response(
            503,
            "storage_unavailable",
            "the server cannot store this now; nothing was saved, try again later",
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(sqlite3.Error, _storage)
    try:
        import psycopg  # the PostgreSQL extra (chatsup[postgres])
    except ImportError:
        pass
    else:
        app.add_exception_handler(psycopg.Error, _storage)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.field, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        codes = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            408: "timeout",
            413: "too_large",
            429: "rate_limited",
        }
        return error_response(
            exc.status_code,
            codes.get(exc.status_code, "error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )
