"""The deterministic script of a simulation: who visits when, what they read,
say and ask, how and when advisors answer, call, text and log in and out.

Everything here is drawn from `random.Random` seeded with the run's seed (by
string, so the draw does not depend on `PYTHONHASHSEED`); nothing is timed
here. Visit `i` draws from its own generator, so the plan is produced lazily,
one visit at a time, in constant memory, and visit `i` is the same whatever
the rate or duration. Delays inside a visit are realistic seconds; the runner
divides them by its `speed`.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Literal, TypeVar

from chatsup.domain.models import Presence
from chatsup.simulate import catalog as c

Intent = Literal["browse", "chat", "offline"]
T = TypeVar("T")

# -- calls ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallMove:
    """After `delay_s`, PATCH the call to `state` (with `end_reason`)."""

    state: str
    end_reason: str | None
    delay_s: float


@dataclass(frozen=True, slots=True)
class CallPlan:
    """An advisor calls the visitor (`POST /v1/calls`, ringing), then moves."""

    outcome: str
    moves: tuple[CallMove, ...]

    @property
    def final_state(self) -> str:
        return self.moves[-1].state if self.moves else "ringing"


# outcome: (weight, [(state, reasons to pick from or None)]). Together they
# visit every call state and every end reason of the API.
CALL_OUTCOMES: dict[str, tuple[int, tuple[tuple[str, tuple[str, ...] | None], ...]]] = {
    "talked": (40, (("answered", None), ("ended", ("visitor_hangup", "agent_hangup")))),
    "dropped": (5, (("answered", None), ("failed", ("network_error", "timeout")))),
    "missed": (20, (("missed", ("no_answer", "timeout")),)),
    "rejected": (12, (("rejected", ("rejected", "busy")),)),
    "failed": (8, (("failed", ("network_error", "busy")),)),
    # the phone system never reported back: the call stays in that state
    "lost_ringing": (5, ()),
    "lost_talking": (5, (("answered", None),)),
}


def _call(rng: random.Random) -> CallPlan:
    names = list(CALL_OUTCOMES)
    outcome = rng.choices(names, [CALL_OUTCOMES[n][0] for n in names])[0]
    moves = []
    for k, (state, reasons) in enumerate(CALL_OUTCOMES[outcome][1]):
        # the first move ends the ringing; the next one ends the talk
        delay = rng.uniform(4, 25) if k == 0 else rng.uniform(20, 300)
        reason = rng.choice(reasons) if reasons else None
        moves.append(CallMove(state, reason, round(delay, 3)))
    return CallPlan(outcome, tuple(moves))


# -- visits -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """A chat: the visitor's opener and follow-ups (each sent after an advisor
    reply, `typing_s` later), and the advisor's side: whether anyone ever
    answers, after how long, the replies (one per visitor message), then the
    extras (a call, an SMS, a callback) and the end of the conversation."""

    opener: str
    followups: tuple[str, ...]
    typing_s: tuple[float, ...]
    patience_s: float
    answer: bool
    pick: int
    first_reply_s: float
    replies: tuple[str, ...]
    reply_s: tuple[float, ...]
    end: bool
    end_after_s: float
    phone: str
    call: CallPlan | None
    sms: str | None
    callback_in_h: float | None

    @property
    def visitor_messages(self) -> int:
        return 1 + len(self.followups)


@dataclass(frozen=True, slots=True)
class OfflinePlan:
    name: str | None
    email: str | None
    phone: str | None
    body: str


@dataclass(frozen=True, slots=True)
class VisitPlan:
    """Visit number `index`, starting `at` seconds (real time) into the run."""

    index: int
    at: float
    site: int
    user_agent: str
    webrtc: bool
    referrer: str | None
    ip: str
    returning: bool  # comes back as an earlier visitor, if there is one
    pick: int  # which earlier visitor
    landing: tuple[str, str]
    pages: tuple[tuple[str, str], ...]  # (path, title) viewed after landing
    read_s: tuple[float, ...]  # time on the landing page and on each page
    chat_after: int  # pages viewed before opening the chat box
    # browse: pages only; chat: chats if an advisor is presented; offline: has
    # something to write: in the chat box if an advisor is presented, else in
    # the offline form
    intent: Intent
    leave_message: bool  # chat-minded, finding nobody online, writes an offline message
    linger_s: float  # stays after the chat before leaving
    chat: ChatPlan | None
    offline: OfflinePlan | None


@dataclass(frozen=True, slots=True)
class Tuning:
    """The odds and the realistic delays the plan draws from."""

    p_browse: float = 0.5
    p_chat: float = 0.4  # the rest write an offline message straight away
    p_returning: float = 0.25
    p_leave_message: float = 0.7
    p_answer: float = 0.82
    p_end: float = 0.8
    p_call: float = 0.3
    p_sms: float = 0.12
    p_callback: float = 0.1
    read_s: tuple[float, float] = (6.0, 45.0)
    first_reply_s: float = 18.0  # mean (exponential, plus 3 s)
    reply_s: tuple[float, float] = (4.0, 25.0)
    typing_s: tuple[float, float] = (3.0, 20.0)
    patience_s: tuple[float, float] = (90.0, 240.0)


DEFAULT_TUNING = Tuning()


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def _phone(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.7:
        return "+33 6 " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))
    if kind < 0.85:
        return f"+44 7700 900{rng.randrange(1000):03d}"
    return f"+1 202 555 01{rng.randrange(100):02d}"


def _pick(rng: random.Random, items: Sequence[T], weights: Sequence[int] | None = None) -> T:
    return rng.choices(items, weights)[0] if weights else rng.choice(items)


def _chat(rng: random.Random, t: Tuning, opener: str | None = None) -> ChatPlan:
    """A chat; with `opener`, a single message (what the visitor meant to
    leave as an offline message, typed into the chat box instead)."""
    n_followups = 0 if opener else rng.choices((0, 1, 2, 3), (3, 4, 2, 1))[0]
    followups = tuple(rng.sample(c.VISITOR_FOLLOWUPS, n_followups))
    n = 1 + len(followups)
    answer = rng.random() < t.p_answer
    phone = _phone(rng)
    return ChatPlan(
        opener=opener or rng.choice(c.VISITOR_OPENERS),
        followups=followups,
        typing_s=tuple(round(rng.uniform(*t.typing_s), 3) for _ in followups),
        patience_s=round(rng.uniform(*t.patience_s), 3),
        answer=answer,
        pick=rng.randrange(1 << 16),
        first_reply_s=round(3 + min(120.0, rng.expovariate(1 / t.first_reply_s)), 3),
        replies=tuple(rng.sample(c.AGENT_REPLIES, n)),
        reply_s=tuple(round(rng.uniform(*t.reply_s), 3) for _ in range(n - 1)),
        end=rng.random() < t.p_end,
        end_after_s=round(rng.uniform(8, 60), 3),
        phone=phone,
        call=_call(rng) if rng.random() < t.p_call else None,
        sms=rng.choice(c.SMS_TEXTS) if rng.random() < t.p_sms else None,
        callback_in_h=round(rng.uniform(1, 48), 2) if rng.random() < t.p_callback else None,
    )


def _offline(rng: random.Random) -> OfflinePlan:
    first, last = rng.choice(c.FIRST_NAMES), rng.choice(c.LAST_NAMES)
    gives = rng.random()
    return OfflinePlan(
        name=f"{first} {last}" if gives < 0.9 else None,
        email=f"{_ascii(first)}.{_ascii(last)}{rng.randrange(100)}@example.com"
        if gives < 0.8
        else None,
        phone=_phone(rng) if rng.random() < 0.5 else None,
        body=rng.choice(c.OFFLINE_TEXTS),
    )


def visit(
    seed: int, index: int, at: float, sites: int, tuning: Tuning = DEFAULT_TUNING
) -> VisitPlan:
    """Visit `index` of the run with this seed (its content does not depend
    on when it happens)."""
    t = tuning
    rng = random.Random(f"chatsup-sim/{seed}/visit/{index}")
    ua, webrtc = _pick(rng, c.USER_AGENTS, c.USER_AGENT_WEIGHTS)
    n_pages = rng.choices((0, 1, 2, 3, 4, 5), (20, 30, 22, 14, 8, 6))[0]
    roll = rng.random()
    intent: Intent = (
        "browse" if roll < t.p_browse else ("chat" if roll < t.p_browse + t.p_chat else "offline")
    )
    octets = (
        rng.choice(c.IP_FIRST_OCTETS),
        rng.randrange(256),
        rng.randrange(256),
        rng.randrange(1, 255),
    )
    offline = _offline(rng) if intent != "browse" else None
    chat = None
    if intent != "browse":
        chat = _chat(rng, t, offline.body if intent == "offline" and offline else None)
    return VisitPlan(
        index=index,
        at=at,
        site=rng.randrange(sites) if sites > 1 else 0,
        user_agent=ua,
        webrtc=webrtc,
        referrer=_pick(rng, c.REFERRERS, c.REFERRER_WEIGHTS),
        ip=".".join(map(str, octets)),
        returning=rng.random() < t.p_returning,
        pick=rng.randrange(1 << 16),
        landing=rng.choice(c.PAGES),
        pages=tuple(rng.choice(c.PAGES) for _ in range(n_pages)),
        read_s=tuple(round(rng.uniform(*t.read_s), 3) for _ in range(n_pages + 1)),
        chat_after=rng.randint(0, n_pages),
        intent=intent,
        leave_message=rng.random() < t.p_leave_message,
        linger_s=round(rng.uniform(5, 40), 3),
        chat=chat,
        offline=offline,
    )


def visits(
    seed: int, rate: float, sites: int, tuning: Tuning = DEFAULT_TUNING
) -> Iterator[VisitPlan]:
    """Every visit of the run, in order of arrival: a Poisson stream of `rate`
    visits per second, the first at 0. Endless and lazy."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if sites < 1:
        raise ValueError("at least one site is needed")
    arrivals = random.Random(f"chatsup-sim/{seed}/arrivals")
    at = 0.0
    for i in count():
        yield visit(seed, i, round(at, 6), sites, tuning)
        at += arrivals.expovariate(1.0) / rate


# -- advisors' shifts -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    state: Presence
    start: float
    end: float


def segments(seed: int, agent: int) -> Iterator[Segment]:
    """Advisor `agent`'s own day (realistic seconds): logs in after a few
    seconds, then online stretches with short breaks (away) and the odd
    logout. Endless and lazy."""
    rng = random.Random(f"chatsup-sim/{seed}/agent/{agent}")
    t = round(rng.uniform(2, 12), 3)
    yield Segment("offline", 0.0, t)
    while True:
        on = round(30 + rng.expovariate(1 / 240), 3)
        yield Segment("online", t, t + on)
        t += on
        off_state: Presence = "away" if rng.random() < 0.7 else "offline"
        off = round(rng.uniform(10, 60) if off_state == "away" else rng.uniform(20, 90), 3)
        yield Segment(off_state, t, t + off)
        t += off


class Shift:
    """Where advisor `agent` is at a given realistic time: its own segments,
    overlaid with the team's closures (everyone logged out for `closed_for`
    seconds every `closed_every` seconds, from `closed_every` on), when
    visitors can only leave offline messages. Ask in increasing time."""

    def __init__(
        self, seed: int, agent: int, closed_every: float = 900.0, closed_for: float = 45.0
    ) -> None:
        self._segments = segments(seed, agent)
        self._current = next(self._segments)
        self.closed_every = closed_every
        self.closed_for = closed_for

    def state_at(self, t: float) -> tuple[Presence, float]:
        """The state at `t` and until when it holds (at least)."""
        k = int(t // self.closed_every)
        if k >= 1 and t - k * self.closed_every < self.closed_for:
            return "offline", k * self.closed_every + self.closed_for
        while self._current.end <= t:
            self._current = next(self._segments)
        return self._current.state, min(self._current.end, (k + 1) * self.closed_every)
