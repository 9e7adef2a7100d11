"""Token-bucket rate limits for the widget, per visitor token and per IP."""

from __future__ import annotations

import time

from chatsup.server.errors import ApiError


class RateLimiter:
    """`per_minute` requests a minute, with bursts up to `burst`."""

    def __init__(self, per_minute: int, burst: int | None = None, max_keys: int = 200_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(per_minute // 4, 10))
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, key: str, what: str) -> None:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            retry = max(1, int((1.0 - tokens) / self.rate) + 1)
            raise ApiError(
                429,
                "rate_limited",
                f"too many requests from this {what}",
                headers={"Retry-After": str(retry)},
            )
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()
        self._buckets[key] = (tokens - 1.0, now)
