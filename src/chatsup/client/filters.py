"""The filters shared by every list, report and export — the one definition the
console's filter banner edits and every request sends."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Filters:
    """`since`/`until`: a date (read in the company time zone by the server;
    `until` inclusive) or a datetime. `q`: full-text search. `status` and
    `has_profile` apply to the lists that know them."""

    since: date | datetime | None = None
    until: date | datetime | None = None
    agent_id: int | None = None
    site_id: int | None = None
    visitor_id: int | None = None
    q: str | None = None
    status: str | None = None
    has_profile: bool | None = None

    def to_params(self) -> dict[str, str]:
        """Query parameters: dates as YYYY-MM-DD, datetimes as ISO 8601,
        booleans as true/false; None (and blank text) is left out."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = _param(getattr(self, f.name))
            if value is not None:
                out[f.name] = value
        return out

    def replace(self, **changes: Any) -> Filters:
        """A copy with some fields changed (`None` clears one)."""
        return dataclasses.replace(self, **changes)

    @property
    def is_empty(self) -> bool:
        return not self.to_params()


def _param(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, datetime):  # before date: datetime is a date
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value if value.strip() else None
    return str(value)
