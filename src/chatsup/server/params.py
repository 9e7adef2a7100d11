"""Query-string filters shared by every list, report and export, and the
checks every piece of incoming text passes."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from chatsup.domain import contact, timerange
from chatsup.domain.text import has_bad_codepoints
from chatsup.server.store import BadInput, ListFilter
from chatsup.server.store.buckets import span
from chatsup.server.store.paging import MAX_LIMIT, MAX_VALUES, check_status, multi

_ID = re.compile(r"[0-9]{1,19}")

# A path id as SQLite stores it; a larger number is a 422, not an overflow.
PathId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def json(data: Any, status: int = 200) -> Response:
    """Hot responses skip pydantic: the store already built the wire shape."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _when(field: str, value: str | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    try:
        when = timerange.parse_when(value)
    except ValueError as e:
        raise BadInput(field, "must be a date (YYYY-MM-DD) or an ISO 8601 datetime") from e
    if not timerange.in_range(when):
        raise BadInput(field, timerange.OUT_OF_RANGE)
    return when


def check_text(field: str, value: str | None) -> None:
    if value is not None:
        why = has_bad_codepoints(value)
        if why:
            raise BadInput(field, why)


def clean_contact(field: str, value: str | None) -> str | None:
    """An email or phone (domain/contact.py), normalised; a BadInput naming
    `field` when it is not one. Empty stays None."""
    value = value.strip() if value else None
    if not value:
        return None
    rule = contact.clean_email if field.endswith("email") else contact.clean_phone
    try:
        return rule(value)
    except ValueError as e:
        raise BadInput(field, str(e)) from e


def check_model(model: BaseModel, prefix: str = "") -> None:
    """Refuse NUL bytes and lone surrogates anywhere in a request body."""
    for name, value in model:
        field = f"{prefix}{name}"
        if isinstance(value, str):
            check_text(field, value)
        elif isinstance(value, BaseModel):
            check_model(value, field + ".")


def _ids(field: str, values: list[str]) -> tuple[int, ...]:
    """A repeated id key: each value an id (1 to 2**63 - 1), at most MAX_VALUES."""
    if len(values) > MAX_VALUES:
        raise BadInput(field, f"at most {MAX_VALUES} values")
    out: list[int] = []
    for value in values:
        n = int(value) if _ID.fullmatch(value) else 0
        if not 1 <= n <= 2**63 - 1:
            raise BadInput(field, "must be an id (a whole number from 1)")
        out.append(n)
    return multi(out)


def _statuses(values: list[str]) -> tuple[str, ...]:
    if len(values) > MAX_VALUES:
        raise BadInput("status", f"at most {MAX_VALUES} values")
    for value in values:
        if len(value) > 32:
            raise BadInput("status", "at most 32 characters")
        check_text("status", value)
    return multi(v for v in values if v)


def list_filter(
    request: Request,
    since: str | None = Query(None, description="date (company time zone) or ISO datetime"),
    until: str | None = Query(None, description="inclusive when a date"),
    agent_id: list[str] = Query([], description="repeatable: any of these advisors"),
    site_id: list[str] = Query([], description="repeatable: any of these sites"),
    visitor_id: int | None = Query(None, ge=1, le=2**63 - 1),
    q: str | None = Query(None, max_length=500, description="full-text search"),
    status: list[str] = Query([], description="repeatable: any of these statuses"),
    has_profile: bool | None = Query(None),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=512),
) -> ListFilter:
    check_text("q", q)
    tz = request.app.state.settings.tz
    lo, hi = timerange.resolve(_when("since", since), _when("until", until), tz)
    if lo is not None and hi is not None and hi < lo:
        raise BadInput("until", "is before since")
    return ListFilter(
        lo,
        hi,
        _ids("agent_id", agent_id),
        _ids("site_id", site_id),
        visitor_id,
        q or None,
        _statuses(status),
        has_profile,
        limit,
        cursor,
    )


def report_filter(request: Request, f: ListFilter = Depends(list_filter)) -> ListFilter:
    """The list filters, for a report: its range at most
    `server.report_max_days` days (a report computes every day of it); no
    `status` (422: reports count every row)."""
    check_status(f)
    check_report_range(request, f)
    return f


def check_report_range(request: Request, f: ListFilter) -> None:
    if f.since is None:
        return  # the report's own default range (at most a year)
    settings = request.app.state.settings
    first, last = span(f.since, f.until, settings.tz, 1, time.time())
    days = (last - first).days + 1
    most = settings.server.report_max_days
    if days > most:
        raise BadInput("since", f"a report covers at most {most} days (this range: {days})")
