"""What a simulation sent, counted as the server acknowledged it: one count per
category, the states the calls were left in, request latency, throughput."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# upper bounds of the latency buckets, in seconds
_BOUNDS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.02,
    0.03,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    float("inf"),
)

ANSWERED = 1
ENDED = 2


@dataclass
class Latency:
    """A fixed-size histogram of request times (constant memory)."""

    counts: list[int] = field(default_factory=lambda: [0] * len(_BOUNDS))
    n: int = 0
    total: float = 0.0

    def add(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(_BOUNDS, seconds)] += 1
        self.n += 1
        self.total += seconds

    def quantile(self, q: float) -> float | None:
        """The upper bound of the bucket holding quantile `q` (None if empty)."""
        if not self.n:
            return None
        rank = q * self.n
        seen = 0
        for bound, k in zip(_BOUNDS, self.counts, strict=True):
            seen += k
            if seen >= rank:
                return bound
        return _BOUNDS[-2]

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass
class SimReport:
    """Counts of what the server acknowledged (2xx), so they can be checked
    against what its API reports afterwards."""

    seed: int = 0
    visitors: int = 0
    agents: int = 0
    rate: float = 0.0
    speed: float = 1.0
    elapsed_s: float = 0.0
    sessions: int = 0
    new_visitors: int = 0
    returning_visitors: int = 0
    page_views: int = 0
    visitor_messages: int = 0
    agent_messages: int = 0
    offline_messages: int = 0
    offline_refused: int = 0  # the site had offline messages switched off
    gave_up: int = 0  # visitors who found nobody online and wrote nothing
    sms: int = 0
    callbacks: int = 0
    presence_changes: int = 0
    agent_connects: int = 0
    visitor_sockets: int = 0
    ws_frames: int = 0
    requests: int = 0
    rate_limited: int = 0
    busy_waits: int = 0  # visits that waited for one of the N visitors to be free
    errors: Counter[str] = field(default_factory=Counter)
    end_reasons: Counter[str] = field(default_factory=Counter)
    latency: Latency = field(default_factory=Latency, repr=False)
    # per conversation: ANSWERED | ENDED bits; per call: the state it was left in
    _conversations: dict[int, int] = field(default_factory=dict, repr=False)
    _calls: dict[int, str] = field(default_factory=dict, repr=False)

    # -- recording ----------------------------------------------------------------

    def conversation(self, cid: int, flags: int = 0) -> None:
        self._conversations[cid] = self._conversations.get(cid, 0) | flags

    def call(self, call_id: int, state: str) -> None:
        self._calls[call_id] = state

    # -- reading ------------------------------------------------------------------

    @property
    def conversation_ids(self) -> frozenset[int]:
        return frozenset(self._conversations)

    @property
    def conversations(self) -> int:
        return len(self._conversations)

    @property
    def answered(self) -> int:
        return sum(1 for f in self._conversations.values() if f & ANSWERED)

    @property
    def unanswered(self) -> int:
        return self.conversations - self.answered

    @property
    def ended(self) -> int:
        return sum(1 for f in self._conversations.values() if f & ENDED)

    @property
    def calls(self) -> int:
        return len(self._calls)

    @property
    def call_states(self) -> Counter[str]:
        return Counter(self._calls.values())

    @property
    def messages(self) -> int:
        return self.visitor_messages + self.agent_messages

    def per_s(self, n: int) -> float:
        return n / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        lat = self.latency
        return {
            "seed": self.seed,
            "visitors": self.visitors,
            "agents": self.agents,
            "rate": self.rate,
            "speed": self.speed,
            "elapsed_s": round(self.elapsed_s, 3),
            "sessions": self.sessions,
            "new_visitors": self.new_visitors,
            "returning_visitors": self.returning_visitors,
            "page_views": self.page_views,
            "conversations": self.conversations,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "ended": self.ended,
            "visitor_messages": self.visitor_messages,
            "agent_messages": self.agent_messages,
            "offline_messages": self.offline_messages,
            "offline_refused": self.offline_refused,
            "gave_up": self.gave_up,
            "calls": self.calls,
            "call_states": dict(sorted(self.call_states.items())),
            "end_reasons": dict(sorted(self.end_reasons.items())),
            "sms": self.sms,
            "callbacks": self.callbacks,
            "presence_changes": self.presence_changes,
            "agent_connects": self.agent_connects,
            "visitor_sockets": self.visitor_sockets,
            "ws_frames": self.ws_frames,
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "busy_waits": self.busy_waits,
            "errors": dict(sorted(self.errors.items())),
            "sessions_per_s": round(self.per_s(self.sessions), 2),
            "messages_per_s": round(self.per_s(self.messages), 2),
            "requests_per_s": round(self.per_s(self.requests), 2),
            "latency_ms": {
                "mean": None if lat.mean is None else round(lat.mean * 1000, 2),
                **{
                    f"p{int(q * 100)}": None
                    if (v := lat.quantile(q)) is None
                    else round(v * 1000, 2)
                    for q in (0.5, 0.95, 0.99)
                },
            },
        }

    def summary(self) -> str:
        d = self.as_dict()
        lat = d["latency_ms"]
        lines = [
            f"simulated {d['elapsed_s']} s (seed {self.seed}, {self.visitors} visitors at most, "
            f"{self.agents} advisors, {self.rate:g} visits/s, speed ×{self.speed:g})",
            f"  sessions {self.sessions} ({self.new_visitors} new, {self.returning_visitors} "
            f"returning), page views {self.page_views}",
            f"  conversations {self.conversations} (answered {self.answered}, unanswered "
            f"{self.unanswered}, ended {self.ended}); messages {self.visitor_messages} from "
            f"visitors, {self.agent_messages} from advisors",
            f"  offline messages {self.offline_messages} (refused {self.offline_refused}, "
            f"gave up {self.gave_up}); SMS {self.sms}; callbacks {self.callbacks}",
            f"  calls {self.calls} {d['call_states']}",
            f"  requests {self.requests} ({d['requests_per_s']}/s; latency mean {lat['mean']} ms,"
            f" p50 ≤{lat['p50']} ms, p95 ≤{lat['p95']} ms, p99 ≤{lat['p99']} ms);"
            f" rate-limited {self.rate_limited}",
            f"  throughput: {d['sessions_per_s']} sessions/s, {d['messages_per_s']} messages/s",
        ]
        if self.errors:
            lines.append(f"  errors {d['errors']}")
        return "\n".join(lines)
