"""How stored values go on the wire: times in the company time zone, references."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def iso(ts: float | None, tz: ZoneInfo) -> str | None:
    if ts is None:
        return None
    return moment(ts, tz)[1]


@functools.lru_cache(maxsize=4096)
def moment(ts: float, tz: ZoneInfo) -> tuple[datetime, str]:
    """A stored time as the wire has it: in `tz`, to the millisecond, and
    its text. (Kept: a batch's writes share one time, `Tx.now`; each
    message's event carries it three times over, and the hub sends it.)"""
    when = datetime.fromtimestamp(ts, tz)
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    return when, when.isoformat(timespec="milliseconds")


def ref(id_: int | None, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name or f"#{id_}"}
