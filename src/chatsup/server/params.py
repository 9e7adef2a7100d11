"""Query-string filters shared by every list, report and export, and the
checks every piece of incoming text passes."""

from __future__ import annotations

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
from chatsup.server.store.paging import MAX_LIMIT

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


def list_filter(
    request: Request,
    since: str | None = Query(None, description="date (company time zone) or ISO datetime"),
    until: str | None = Query(None, description="inclusive when a date"),
    agent_id: int | None = Query(None, ge=1, le=2**63 - 1),
    site_id: int | None = Query(None, ge=1, le=2**63 - 1),
    visitor_id: int | None = Query(None, ge=1, le=2**63 - 1),
    q: str | None = Query(None, max_length=500, description="full-text search"),
    status: str | None = Query(None, max_length=32),
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
        lo, hi, agent_id, site_id, visitor_id, q or None, status, has_profile, limit, cursor
    )


def report_filter(request: Request, f: ListFilter = Depends(list_filter)) -> ListFilter:
    """The list filters, for a report: its range at most
    `server.report_max_days` days (a report computes every day of it)."""
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
