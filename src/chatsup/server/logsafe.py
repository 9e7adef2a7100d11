"""No secret in a log line. uvicorn logs every WebSocket handshake with its
path and query string, and a browser's widget can only send its token there
(`/v1/widget/ws?token=vis_…`). This filter masks, in every record it sees:
the value of any `token=` query parameter, and anything shaped like one of
our tokens (`sup_…`, `agt_…`, `vis_…`), keeping the prefix for diagnosis."""

from __future__ import annotations

import logging
import re

_QUERY_TOKEN = re.compile(r"(?i)((?:^|[?&;])(?:token|access_token)=)[^&\s\"']*")
_BARE_TOKEN = re.compile(r"\b(sup|agt|vis)_[A-Za-z0-9_-]{8,}")

# the loggers that see request lines (uvicorn's own, and ours)
LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "chatsup")


def mask(text: str) -> str:
    text = _QUERY_TOKEN.sub(r"\1***", text)
    return _BARE_TOKEN.sub(r"\1_***", text)


class MaskSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        return True


_FILTER = MaskSecrets()


def install() -> None:
    """Mask secrets on the loggers that log requests (idempotent). A filter
    on a logger applies to what is logged on that logger itself, so each is
    named; their handlers and the root logger's get the filter too (records
    propagated from any child). Call it after uvicorn configured logging."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    handlers = [h for name in LOGGERS for h in logging.getLogger(name).handlers]
    for handler in handlers + logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
