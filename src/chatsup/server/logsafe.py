"""No secret in a log line. uvicorn logs every WebSocket handshake with its
path and query string, and a browser's widget can only send its token there
(`/v1/widget/ws?token=vis_…`). Every log record the process creates is
masked: the value of any `token=` parameter, and anything shaped like one of
our tokens (`sup_…`, `agt_…`, `vis_…`), keeping the prefix for diagnosis.

It is done where records are made (the log record factory), not by a filter
on some loggers or handlers, so a record from any logger reaching any
handler (uvicorn's, the root's, Python's last resort) is masked."""

from __future__ import annotations

import logging
import re
from typing import Any

_QUERY_TOKEN = re.compile(r"(?i)((?:^|[?&;\s])(?:token|access_token)=)[^&\s\"']+")
_BARE_TOKEN = re.compile(r"\b(sup|agt|vis)_[A-Za-z0-9_-]{8,}")


def mask(text: str) -> str:
    if "_" not in text and "=" not in text:
        return text
    text = _QUERY_TOKEN.sub(r"\1***", text)
    return _BARE_TOKEN.sub(r"\1_***", text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    text = str(value)
    masked = mask(text)
    return value if masked == text else masked


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message and arguments masked (the arguments stay
    arguments: uvicorn's access formatter reads them one by one)."""
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_masked(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _masked(v) for k, v in record.args.items()}
    return record


_installed = False


def install() -> None:
    """Mask every record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kw: Any) -> logging.LogRecord:
        return mask_record(make(*args, **kw))

    logging.setLogRecordFactory(factory)
    _installed = True
