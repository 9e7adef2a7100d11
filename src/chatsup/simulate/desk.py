"""The simulator's own bookkeeping between its visitors and its advisors (never
sent to the server): which advisors are online, which advisor takes which
conversation, and the browsers that may come back as returning visitors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chatsup.simulate.plan import ChatPlan
from chatsup.simulate.runtime import Signal


@dataclass(eq=False, slots=True)
class Chat:
    """A conversation a simulated advisor is handling."""

    cid: int
    visitor_id: int
    plan: ChatPlan
    seen: int = 0  # visitor messages the advisor has seen on its socket
    signal: Signal = field(default_factory=Signal)

    def saw_message(self, n: int = 1) -> None:
        self.seen += n
        self.signal.fire()


class Desk:
    """Hands a new conversation to one of the advisors online, as planned."""

    def __init__(self, advisors: int) -> None:
        self.online = [False] * advisors
        self.takers: list[Callable[[Chat], None]] = []
        self.active: dict[int, Chat] = {}

    def hand_over(self, chat: Chat) -> bool:
        """Give `chat` to the advisor its plan picks among those online now
        (if its plan says anyone answers); False if nobody takes it."""
        if not chat.plan.answer or chat.cid in self.active:
            return False
        online = [j for j, on in enumerate(self.online) if on]
        if not online:
            return False
        self.active[chat.cid] = chat
        self.takers[online[chat.plan.pick % len(online)]](chat)
        return True

    def done(self, cid: int) -> None:
        self.active.pop(cid, None)


@dataclass(frozen=True, slots=True)
class Known:
    token: str
    ip: str
    visitor_id: int


class KnownVisitors:
    """The last `size` visitors' tokens (their browsers' localStorage), for
    returning visits. Constant memory."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.items: list[Known] = []
        self._next = 0

    def add(self, k: Known) -> None:
        if len(self.items) < self.size:
            self.items.append(k)
        else:
            self.items[self._next] = k
            self._next = (self._next + 1) % self.size

    def pick(self, n: int) -> Known | None:
        return self.items[n % len(self.items)] if self.items else None
