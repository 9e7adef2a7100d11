"""Connection limits, at the HTTP protocol level (uvicorn's h11 protocol,
subclassed): what an ASGI middleware cannot do, since it only runs once a
request's headers have all arrived.

- `server.header_timeout_s`: a request's headers must arrive within this many
  seconds of the connection opening, or of the previous response on a
  keep-alive connection; otherwise the connection is answered 408 and closed.
  (uvicorn's `timeout_keep_alive` restarts on every byte, so a client sending
  one byte at a time would hold a connection for ever.)
- `server.max_conns_per_ip`: open connections (HTTP and WebSocket) from one
  peer address; past it a new connection is answered 503 and closed. Trusted
  proxies are exempt: they carry many clients.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

LOG_EVERY_S = 10.0


def _refusal(status: int, reason: str, message: str) -> bytes:
    body = b'{"error":{"code":"%s","message":"%s"}}' % (
        reason.lower().replace(" ", "_").encode(),
        message.encode(),
    )
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n%s" % (status, reason.encode(), len(body), body)
    )


def protocol_class(
    header_timeout_s: float, max_conns_per_ip: int, trusted: list[str]
) -> type[H11Protocol]:
    """An H11Protocol with these limits; its per-address counts are its own
    (one class per server)."""
    exempt = []
    for t in trusted:
        try:
            exempt.append(ipaddress.ip_network(t, strict=False))
        except ValueError:
            continue
    per_ip: dict[str, int] = {}
    last_warned = [0.0]  # one log line per LOG_EVERY_S, however many are refused

    def is_exempt(host: str) -> bool:
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(addr in net for net in exempt)

    class LimitedH11Protocol(H11Protocol):
        open_per_ip = per_ip  # (for tests and diagnostics)

        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self._deadline: asyncio.TimerHandle | None = None
            self._counted: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            host = self.client[0] if self.client else None
            if host is not None and not is_exempt(host):
                if per_ip.get(host, 0) >= max_conns_per_ip:
                    if self.loop.time() - last_warned[0] > LOG_EVERY_S:
                        last_warned[0] = self.loop.time()
                        log.warning(
                            "refusing connections from an address with %d open", max_conns_per_ip
                        )
                    transport.write(
                        _refusal(503, "Service Unavailable", "too many connections from here")
                    )
                    transport.close()
                    return
                per_ip[host] = per_ip.get(host, 0) + 1
                self._counted = host
            self._arm()

        def _release(self) -> None:
            host, self._counted = self._counted, None
            if host is not None:
                left = per_ip.get(host, 1) - 1
                if left > 0:
                    per_ip[host] = left
                else:
                    per_ip.pop(host, None)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._release()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(header_timeout_s, self._headers_late)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _headers_late(self) -> None:
            self._deadline = None
            if self.transport.is_closing() or self.transport.get_protocol() is not self:
                return
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being answered: not waiting for headers
            self.transport.write(_refusal(408, "Request Timeout", "the request took too long"))
            self.transport.close()

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            upgraded = self.transport.get_protocol() is not self
            if upgraded or self.cycle is not before:
                self._disarm()  # the headers are in
            if upgraded:
                self._follow_upgrade()

        def _follow_upgrade(self) -> None:
            """The WebSocket protocol owns the connection from now on: count it
            until that protocol's connection ends."""
            ws = self.transport.get_protocol()
            inner = ws.connection_lost

            def lost(exc: Exception | None) -> None:
                self._release()
                inner(exc)

            ws.connection_lost = lost  # type: ignore[method-assign]

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and (
                self.cycle is None or self.cycle.response_complete
            ):
                self._arm()  # the next request's headers

    return LimitedH11Protocol
