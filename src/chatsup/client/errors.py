"""What can go wrong talking to the server, as exceptions a UI can show.

Every non-2xx answer becomes an `ApiError` (a subclass for the statuses a
caller reacts to), parsed from the server's error body
`{"error": {"code", "message", "field"?, "fields"?}}`. A server that cannot be
reached at all (refused, DNS, TLS, timeout) is `Unreachable`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """The server answered, and the answer was an error."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.message} (HTTP {self.status} {self.code})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, field={self.field!r})"
        )


class Unauthorized(ApiError):
    """401: the token is missing or unknown."""


class Forbidden(ApiError):
    """403: the token is valid but may not do this."""


class NotFound(ApiError):
    """404: no such record (or endpoint)."""


class Invalid(ApiError):
    """422: the request was refused; `fields` maps each bad field to why."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, code, message, field)
        self.fields: dict[str, str] = dict(fields or {})
        if field is not None and field not in self.fields:
            self.fields[field] = message


class RateLimited(ApiError):
    """429: slow down; `retry_after` is in seconds when the server said."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, field)
        self.retry_after = retry_after


class Unreachable(Exception):
    """The server could not be reached: refused, DNS, TLS or a timeout."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the chatsup server at {url}: {reason}")
        self.url = url
        self.reason = reason


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    422: Invalid,
    429: RateLimited,
}


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare enough to ignore


def error_from_body(
    status: int, body: bytes | str, headers: Mapping[str, str] | None = None
) -> ApiError:
    """Build the matching `ApiError` from a status and the raw error body.

    Bodies that are not the server's shape (a proxy's HTML page, empty, not
    JSON) still give an error naming the status.
    """
    err: dict[str, Any] = {}
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        err = parsed["error"]
    code = str(err.get("code") or f"http_{status}")
    message = err.get("message")
    if not isinstance(message, str) or not message:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        text = " ".join(text.split())[:200] if parsed is None else ""
        message = text or f"the server answered HTTP {status}"
    field = err.get("field")
    field = str(field) if field is not None else None
    cls = _BY_STATUS.get(status, ApiError)
    if cls is Invalid:
        raw = err.get("fields")
        fields = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else None
        return Invalid(status, code, message, field, fields)
    if cls is RateLimited:
        return RateLimited(status, code, message, field, _retry_after(headers))
    return cls(status, code, message, field)


def describe(error: BaseException) -> str:
    """One line for a person: what went wrong with a request."""
    if isinstance(error, ApiError):
        return f"{error.status}: {error.message}"
    if isinstance(error, Unreachable):
        return str(error)
    return f"{type(error).__name__}: {error}"
