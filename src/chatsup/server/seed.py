"""Deterministic demo data, written through the store's own write functions.

Every day of the history is planned (visits by weekday and business hour,
returning visitors, chats with natural back-and-forth and a spread of first
response times, some never answered, offline messages when nobody is on
shift, calls in every state and end reason, SMS, callbacks, profiles,
media), its actions are sorted by time, and the day is written before the
next is planned (in writes of CHUNK actions, queued together) with the live
event log left out (history is not live news). Indexes only reads use are
built once at the end, and the report cache's touches recorded once a table.

The chats are irregular on purpose, so the demo and the tests meet the hard
cases of the metrics: runs of visitor messages before an answer, chats
answered by another advisor than the one presented, late answers (hours to
days later, some across midnight and daylight-saving nights), night chats
answered the next morning, and system notes. An action that falls on a
later day is written with that day (ids keep growing with time). Transfers
are not seeded: the product has no way to assign a chat yet.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chatsup.domain.models import END_REASONS
from chatsup.domain.timerange import local_midnight
from chatsup.server import seed_text as tx_
from chatsup.server.enrich import parse_user_agent
from chatsup.server.store import BadInput, Forbidden, Store, Tx, touches
from chatsup.server.store import agents as agents_store
from chatsup.server.store import calls as calls_store
from chatsup.server.store import conversations as conversations_store
from chatsup.server.store import messages as messages_store
from chatsup.server.store import offline as offline_store
from chatsup.server.store import sites as sites_store
from chatsup.server.store import visitors as visitors_store
from chatsup.server.store import visits as visits_store

# Visits per weekday (Mon..Sun) at scale 1.0, and the weight of each local hour.
VISITS_PER_DAY = 420
WEEKDAY = [1.0, 1.05, 1.0, 0.95, 1.1, 0.55, 0.3]
HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 4, 4, 3, 2.5, 2, 1.5]
CHAT_RATE = 0.3
UNANSWERED = 0.08
RETURNING = 0.3
RUN_OF_VISITOR_MESSAGES = 0.3  # a turn where the visitor writes again before the answer
OTHER_ANSWERER = 0.25  # answered by another advisor than the one presented
LATE_ANSWER = 0.03  # the first answer comes hours to days later
NIGHT_CHAT = 0.15  # nobody on shift: the chat waits for the morning
SYSTEM_NOTE = 0.1
# Actions per write while seeding (see _write_day)
CHUNK = 100


@dataclass
class SeedReport:
    sites: int = 0
    agents: int = 0
    visitors: int = 0
    sessions: int = 0
    page_views: int = 0
    conversations: int = 0
    messages: int = 0
    offline_messages: int = 0
    calls: int = 0
    sms: int = 0
    callbacks: int = 0
    profiles: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if k != "seconds"]
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


Action = Callable[[Tx, dict[str, Any]], None]


@dataclass
class Day:
    """A day's actions, as (time, order, action, the visit's shared state)."""

    actions: list[tuple[float, int, Action, dict[str, Any]]] = field(default_factory=list)
    until: float = float("inf")  # nothing after `now` happens yet
    end: float = float("inf")  # the next local midnight
    later: list[tuple[float, Action, dict[str, Any]]] = field(default_factory=list)

    def add(self, at: float, fn: Action, state: dict[str, Any]) -> None:
        if at >= self.end:  # written with the day it falls on
            self.later.append((at, fn, state))
        else:
            self.actions.append((at, len(self.actions), fn, state))


class Planner:
    def __init__(
        self,
        store: Store,
        rng: random.Random,
        scale: float,
        site_ids: list[int],
        agent_ids: list[int],
        report: SeedReport,
    ) -> None:
        self.store = store
        self.rng = rng
        self.scale = scale
        self.sites = site_ids
        self.agents = agent_ids
        self.report = report
        # each advisor's working weekdays and hours (local)
        self.shifts = {
            a: (
                {d for d in range(7) if d < 5 or rng.random() < 0.3},
                rng.choice([(8, 16), (9, 17), (10, 19), (12, 20), (9, 18)]),
            )
            for a in agent_ids
        }
        self.returning: list[dict[str, Any]] = []  # shared states of earlier visitors
        self.order_no = 10_000
        self.later: list[tuple[float, Action, dict[str, Any]]] = []  # for days to come

    def on_shift(self, local: datetime) -> list[int]:
        return [
            a
            for a, (days, (h0, h1)) in self.shifts.items()
            if local.weekday() in days and h0 <= local.hour < h1
        ]

    def fill(self, text: str) -> str:
        self.order_no += self.rng.randint(1, 40)
        return text.format(order=f"#{self.order_no}", code=f"SPRING{self.rng.randint(10, 99)}")

    def plan_day(self, d: date, tz: Any, now: float) -> Day:
        rng = self.rng
        start = local_midnight(d, tz).timestamp()
        midnight = local_midnight(d + timedelta(days=1), tz).timestamp()
        day = Day(until=now, end=midnight)
        carried, self.later = self.later, []
        for at, fn, st in carried:
            day.add(at, fn, st)
        end = min(midnight, now)
        n = rng.gauss(VISITS_PER_DAY * self.scale * WEEKDAY[d.weekday()], 8 * self.scale**0.5)
        for _ in range(max(0, round(n))):
            hour = rng.choices(range(24), HOURS)[0]
            at = start + hour * 3600 + rng.random() * 3600
            if at < end:
                self.plan_visit(day, at, end, tz)
        self.later += day.later
        return day

    def plan_visit(self, day: Day, at: float, end: float, tz: Any) -> None:
        rng = self.rng
        earlier = (
            rng.choice(self.returning) if self.returning and rng.random() < RETURNING else None
        )
        if earlier is not None and "visitor_id" in earlier:  # seen on an earlier day
            st = {
                "visitor_id_from": earlier,
                "site": earlier["site"],
                "ua": earlier["ua"],
                "place": earlier["place"],
            }
        else:
            st = {
                "site": rng.choice(self.sites),
                "ua": rng.choice(tx_.USER_AGENTS),
                "place": rng.choice(tx_.PLACES),
            }
            if len(self.returning) < 5000:
                self.returning.append(st)
        local = datetime.fromtimestamp(at, tz)
        online = self.on_shift(local)
        st["agent"] = rng.choice(online) if online else None
        day.add(at, self.session, st)
        t = at
        for _ in range(rng.choices([1, 2, 3, 4, 5, 6, 8], [3, 4, 4, 3, 2, 1, 1])[0]):
            day.add(t, self.pageview, st)
            t += rng.uniform(8, 120)
        if rng.random() < CHAT_RATE:
            if online:
                self.plan_chat(day, t, st)
            elif rng.random() < NIGHT_CHAT:
                self.plan_chat(day, t, st, night=True)
            elif rng.random() < 0.35:
                day.add(t, self.offline, st)
        if rng.random() < 0.03:
            day.add(t + 60, self.call, st)
        if rng.random() < 0.01:
            day.add(t + 90, self.sms, st)
        if rng.random() < 0.008:
            day.add(t + 120, self.callback, st)
        if rng.random() < 0.012:
            day.add(t + 1, self.profile, st)

    def plan_chat(self, day: Day, t: float, st: dict[str, Any], night: bool = False) -> None:
        rng = self.rng
        visitor_lines, agent_lines = rng.choice(tx_.TOPICS)
        answered = rng.random() > UNANSWERED
        first_wait = rng.choice([rng.uniform(4, 40), rng.uniform(30, 180), rng.uniform(120, 900)])
        if night:  # answered when the first shift starts, or later
            first_wait = rng.uniform(5 * 3600, 30 * 3600)
        elif rng.random() < LATE_ANSWER:
            first_wait = rng.choice([rng.uniform(3600, 8 * 3600), rng.uniform(86400, 9 * 86400)])
        presented = st["agent"]
        others = [a for a in self.agents if a != presented]
        if presented is None or (others and rng.random() < OTHER_ANSWERER):
            st["answerer"] = rng.choice(others or self.agents)
        else:
            st["answerer"] = presented
        turns = min(len(visitor_lines), len(agent_lines))
        for i in range(turns if answered else 1):
            body = self.fill(visitor_lines[i])
            if rng.random() < 0.002:
                body = rng.choice(tx_.HOSTILE)
            media = None
            if rng.random() < 0.02:
                name, kind, size = rng.choice(tx_.MEDIA)
                media = {
                    "name": name,
                    "type": kind,
                    "size": size,
                    "url": f"https://files.example/{rng.getrandbits(40):x}/{name}",
                }
            day.add(t, self._visitor_says(body, media), st)
            t += rng.uniform(5, 40)
            while rng.random() < RUN_OF_VISITOR_MESSAGES:  # and again, before any answer
                day.add(t, self._visitor_says(rng.choice(tx_.NUDGES), None), st)
                t += rng.uniform(10, 90)
            if not answered:
                break
            if i == 0 and first_wait > 3600 and rng.random() < 0.5:
                day.add(t + rng.uniform(60, 600), self._system_note(tx_.SYSTEM_NOTES[0]), st)
            t += first_wait if i == 0 else rng.uniform(5, 90)
            day.add(t, self._agent_says(self.fill(agent_lines[i])), st)
            t += rng.uniform(10, 120)
        if answered and rng.random() < 0.7:
            day.add(t, self._visitor_says(rng.choice(tx_.THANKS), None), st)
            t += rng.uniform(5, 30)
            day.add(t, self._agent_says(rng.choice(tx_.CLOSINGS)), st)
        if rng.random() < SYSTEM_NOTE:
            day.add(t, self._system_note(rng.choice(tx_.SYSTEM_NOTES)), st)
        day.add(t + rng.uniform(60, 900), self.end_chat, st)

    # -- actions: each runs inside the day's transaction --------------------

    def session(self, tx: Tx, st: dict[str, Any]) -> None:
        ua = parse_user_agent(st["ua"])
        country, code, city, prefix = st["place"]
        earlier = st.get("visitor_id_from")
        out = visits_store.start_session(
            tx,
            visits_store.Visit(
                site_id=st["site"],
                visitor_id=earlier["visitor_id"] if earlier else None,
                ip=prefix + str(self.rng.randint(1, 254)),
                user_agent=st["ua"],
                os=ua.os,
                browser=ua.browser,
                webrtc=self.rng.random() < 0.9,
                referrer=self.rng.choice(tx_.REFERRERS),
                country=country,
                country_code=code,
                city=city,
                presented_agent_id=st["agent"],
                at=st["now"],
            ),
        )
        st["visitor_id"] = out["visitor_id"]
        st["session_id"] = out["session_id"]
        self.report.sessions += 1
        self.report.visitors += earlier is None

    def pageview(self, tx: Tx, st: dict[str, Any]) -> None:
        path, title = self.rng.choice(tx_.PAGES)
        site = tx_.SITES[self.sites.index(st["site"])][1]
        visits_store.add_pageview(tx, st["session_id"], f"https://{site}{path}", title, st["now"])
        self.report.page_views += 1

    def _visitor_says(self, body: str, media: dict[str, Any] | None) -> Action:
        def act(tx: Tx, st: dict[str, Any]) -> None:
            out = messages_store.visitor_message(
                tx,
                st["visitor_id"],
                st["session_id"],
                st["site"],
                messages_store.NewMessage(body, media, at=st["now"]),
            )
            self.report.conversations += out.get("started", False)
            st["conversation_id"] = out["conversation_id"]
            self.report.messages += 1

        return act

    def _agent_says(self, body: str) -> Action:
        def act(tx: Tx, st: dict[str, Any]) -> None:
            try:
                messages_store.agent_message(
                    tx,
                    st["answerer"],
                    st["conversation_id"],
                    messages_store.NewMessage(body, at=st["now"]),
                )
            except (BadInput, Forbidden):  # a returning visitor's two visits shared a chat
                return
            self.report.messages += 1

        return act

    def _system_note(self, body: str) -> Action:
        def act(tx: Tx, st: dict[str, Any]) -> None:
            if "conversation_id" in st:
                messages_store.system_message(tx, st["conversation_id"], body, st["now"])
                self.report.messages += 1

        return act

    def end_chat(self, tx: Tx, st: dict[str, Any]) -> None:
        if "conversation_id" in st:
            conversations_store.end_conversation(tx, st["conversation_id"], st["now"])

    def offline(self, tx: Tx, st: dict[str, Any]) -> None:
        rng = self.rng
        first = rng.choice(tx_.FIRST_NAMES)
        handled = rng.random() < 0.6
        offline_store.offline_message(
            tx,
            st["site"],
            st["visitor_id"],
            f"{first} {rng.choice(tx_.LAST_NAMES)}",
            f"{first.lower()}@mail.example" if rng.random() < 0.8 else None,
            f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00"
            if rng.random() < 0.5
            else None,
            self.fill(rng.choice(tx_.OFFLINE)),
            st["now"],
            rng.choice(self.agents) if handled else None,
            rng.choice(["handled", "read"]) if handled else "new",
        )
        self.report.offline_messages += 1

    def call(self, tx: Tx, st: dict[str, Any]) -> None:
        rng = self.rng
        agent = st["agent"] or rng.choice(self.agents)
        t = st["now"]
        cid = calls_store.start_call(tx, st["visitor_id"], agent, st.get("conversation_id"), t)
        outcome = rng.choices(
            ["ended", "missed", "rejected", "failed", "dropped", "ringing"], [10, 4, 2, 1, 1, 0.2]
        )[0]
        if outcome in ("ended", "dropped"):
            calls_store.update_call(tx, cid, "answered", None, agent, t + rng.uniform(3, 25))
            talk = t + rng.uniform(30, 900)
            if outcome == "ended":
                calls_store.update_call(
                    tx, cid, "ended", rng.choice(["visitor_hangup", "agent_hangup"]), agent, talk
                )
            else:
                calls_store.update_call(tx, cid, "failed", "network_error", agent, talk)
        elif outcome != "ringing":
            reason = {
                "missed": rng.choice(["no_answer", "timeout"]),
                "rejected": rng.choice(["rejected", "busy"]),
                "failed": rng.choice(["network_error", "timeout"]),
            }[outcome]
            assert reason in END_REASONS
            calls_store.update_call(tx, cid, outcome, reason, agent, t + rng.uniform(10, 40))
        self.report.calls += 1

    def sms(self, tx: Tx, st: dict[str, Any]) -> None:
        calls_store.add_sms(
            tx,
            st["visitor_id"],
            st["agent"] or self.agents[0],
            "+33 6 00 00 00 00",
            self.fill("Your order {order} has shipped."),
            st["now"],
        )
        self.report.sms += 1

    def callback(self, tx: Tx, st: dict[str, Any]) -> None:
        calls_store.add_callback(
            tx,
            st["visitor_id"],
            st["agent"],
            "+33 6 11 22 33 44",
            st["now"] + self.rng.uniform(3600, 86400),
            st["now"],
            self.rng.choice(["pending", "done", "done"]),
        )
        self.report.callbacks += 1

    def profile(self, tx: Tx, st: dict[str, Any]) -> None:
        rng = self.rng
        first, last = rng.choice(tx_.FIRST_NAMES), rng.choice(tx_.LAST_NAMES)
        visitors_store.put_profile(
            tx,
            st["visitor_id"],
            {
                "name": f"{first} {last}",
                "email": f"{first}.{last}@mail.example".lower(),
                "phone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00",
                "notes": rng.choice(tx_.NOTES),
            },
        )
        self.report.profiles += 1


class _Touches:
    """What the seeded rows touch (store/touches.py), one span per table
    from its earliest time on: recorded once at the end, not once a row (a
    third of the statements of a seed, for an empty store with no figure
    kept anywhere)."""

    def __init__(self) -> None:
        self.earliest: dict[str, float] = {}

    def __call__(self, source: str, at: float | None) -> None:
        if at is not None and at < self.earliest.get(source, math.inf):
            self.earliest[source] = at


def _run_actions(
    tx: Tx, actions: list[tuple[float, int, Action, dict[str, Any]]], touched: _Touches
) -> None:
    tx.touch = touched  # type: ignore[method-assign]
    for at, _, fn, st in actions:
        if fn.__name__ != "session" and "session_id" not in st:
            continue  # the visit began on a day not written (before the range)
        st["now"] = at
        fn(tx, st)


def _write_day(store: Store, day: Day, touched: _Touches) -> None:
    """The day's actions in time order, in writes of CHUNK actions queued at
    once: the writer commits them together, each in its own savepoint (one
    savepoint over a whole day made SQLite's in-memory statement journal,
    walked on every statement, as long as the day: quadratic in its size).
    Waits for all of them: the next day's plan reads what they wrote."""
    actions = sorted(day.actions, key=lambda a: (a[0], a[1]))
    cut = bisect.bisect_right([a[0] for a in actions], day.until)
    futures = [
        store.submit(_run_actions, actions[i : min(i + CHUNK, cut)], touched, log_events=False)
        for i in range(0, cut, CHUNK)
    ]
    for fut in futures:
        fut.result()


def seed_demo(
    store: Store,
    *,
    days: int = 90,
    scale: float = 1.0,
    seed: int = 7,
    now: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Fill an empty store with `days` of history ending at `now`."""
    t0 = time.perf_counter()
    exists = store.read_sync(lambda rx: rx.scalar("SELECT count(*) FROM sites"))
    if exists:
        raise ValueError("the database already has sites: seed an empty database")
    now = time.time() if now is None else now
    rng = random.Random(seed)
    report = SeedReport()

    def setup(tx: Tx) -> tuple[list[int], list[int]]:
        sites = [sites_store.create_site(tx, n, d, k)["id"] for n, d, k in tx_.SITES]
        agents = [agents_store.create_agent(tx, n, e) for n, e in tx_.AGENTS]
        return sites, agents

    site_ids, agent_ids = store.write_sync(setup, log_events=False)
    report.sites, report.agents = len(site_ids), len(agent_ids)
    planner = Planner(store, rng, scale, site_ids, agent_ids, report)
    tz = store.tz
    last = datetime.fromtimestamp(now, tz).date()
    # The message index and the reports' indexes are built once at the end,
    # not row by row (store/schema.py keeps their definitions).
    later = store.write_sync(_defer_indexes, log_events=False)
    touched = _Touches()
    try:
        for i in range(days - 1, -1, -1):
            d = last - timedelta(days=i)
            day = planner.plan_day(d, tz, now)
            _write_day(store, day, touched)
            if progress and (i % 10 == 0):
                progress(f"seeded {d.isoformat()}: {report.messages} messages so far")
    finally:
        store.write_sync(_build_indexes, later, touched.earliest, log_events=False)
    report.seconds = time.perf_counter() - t0
    return report


# Indexes only reads use (reports, lists), built after the seed in one pass
# each (a sort) rather than kept up to date row by row. Not these: the ones
# the write functions look rows up by (sessions_visitor, conversations_open,
# messages_conversation for the wait trigger), and the unique ones.
DEFERRED_INDEXES = (
    "visitors_first_seen",
    "visitors_last_seen",
    "visitors_site",
    "visitors_presented",
    "sessions_started",
    "sessions_started_cover",
    "page_views_visitor",
    "page_views_at",
    "conversations_started",
    "conversations_agent",
    "conversations_site",
    "conversations_visitor",
    "conversations_started_cover",
    "messages_at",
    "messages_waits",
)
# The message full-text index: built once (FTS5 'rebuild'), not by trigger.
DEFERRED_TRIGGERS = ("messages_ai",)


def _defer_indexes(tx: Tx) -> list[str]:
    """Drop the deferred indexes and triggers; answers their definitions."""
    names = (*DEFERRED_INDEXES, *DEFERRED_TRIGGERS)
    rows = tx.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE name IN ({','.join('?' * len(names))})",
        names,
    ).fetchall()
    for kind, name, _ in rows:
        tx.execute(f"DROP {kind.upper()} {name}")
    return [str(sql) for _, _, sql in rows]


def _build_indexes(tx: Tx, definitions: list[str], touched: dict[str, float]) -> None:
    tx.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    for sql in definitions:
        tx.execute(sql)
    for source, at in touched.items():  # from the earliest seeded row on
        touches.touch(tx, source, at)
