"""How stored values go on the wire: times in the company time zone, references."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def iso(ts: float | None, tz: ZoneInfo) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="milliseconds")


def ref(id_: int | None, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name or f"#{id_}"}
