"""How stored values go on the wire: times in the company time zone, references."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def iso(ts: float | None, tz: ZoneInfo) -> str | None:
    if ts is None:
        return None
    return _iso(ts, tz)


@functools.lru_cache(maxsize=4096)
def _iso(ts: float, tz: ZoneInfo) -> str:
    """(Kept: a batch's writes share one time, `Tx.now`, and each message's
    event carries it three times over: the message, its chat's start or
    last message.)"""
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="milliseconds")


def ref(id_: int | None, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name or f"#{id_}"}
