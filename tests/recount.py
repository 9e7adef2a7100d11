"""An independent recount of every Monitoring figure.

`History` plans irregular activity (runs of visitor messages, answers by an
agent other than the one presented, late answers, chats across midnight and
daylight-saving changes, returning visitors, offline messages, calls, SMS,
callbacks), writes it through the store's write functions, and keeps its own
list of the rows it wrote. `Recount` works each figure out of that list with
plain Python: rows are bucketed by their local date / month / hour read off
`datetime.fromtimestamp(t, tz)` — none of the server's metric, bucket or
range code is used.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chatsup.server.store import calls as calls_store
from chatsup.server.store import conversations as conversations_store
from chatsup.server.store import messages as messages_store
from chatsup.server.store import offline as offline_store
from chatsup.server.store import visits as visits_store
from chatsup.server.store.messages import system_message

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0


@dataclass
class Conv:
    visitor: int
    site: int
    presented: int | None
    started: float
    msgs: list[tuple[str, int | None, float]] = field(default_factory=list)  # sender, agent, at
    ended: float | None = None
    id: int = 0
    session: Any = None

    @property
    def holder(self) -> int | None:
        """The agent holding it: the first to answer (no transfers exist)."""
        return next((a for s, a, _ in self.msgs if s == "agent"), None)

    @property
    def advisor(self) -> int | None:
        return self.holder if self.holder is not None else self.presented

    def waits(self) -> list[tuple[float, int | None, float, bool]]:
        """(began, answering agent, seconds, is the first response)."""
        out = []
        run: float | None = None
        for sender, agent, at in self.msgs:
            if sender == "visitor":
                run = at if run is None else run
            elif sender == "agent" and run is not None:
                out.append((run, agent, at - run, not out))
                run = None
        return out


@dataclass
class Sess:
    visitor: int
    site: int
    presented: int | None
    started: float
    browser: str
    os: str
    country: str
    id: int = 0


class History:
    """Planned activity; `write` sends it through the store in time order."""

    BROWSERS = ("Firefox", "Chrome", "Safari")
    OSES = ("Linux", "Windows", "macOS", "iOS")
    COUNTRIES = ("France", "India", "Australia", "Germany")

    def __init__(
        self, tz: ZoneInfo, sites: list[int], agents: list[int], now: float, seed: int
    ) -> None:
        self.tz, self.sites, self.agents, self.now = tz, sites, agents, now
        self.rng = random.Random(seed)
        self.actions: list[tuple[float, int, Any]] = []
        self.sessions: list[Sess] = []
        self.page_views: list[tuple[Sess, float]] = []
        self.convs: list[Conv] = []
        self.offline: list[tuple[int, int | None, float]] = []  # site, handled_by, at
        self.calls: list[tuple[int, int | None, float]] = []  # visitor, agent, at
        self.sms: list[tuple[int, int | None, float]] = []
        self.callbacks: list[tuple[int, int | None, float]] = []
        self.visitor_site: dict[int, int] = {}  # the site of the visitor's last session
        self.visitor_last: dict[int, float] = {}
        self.visitor_first: dict[int, float] = {}
        self.n_visitors = 0

    def local(self, d: date, hh: int = 0, mm: int = 0) -> float:
        return datetime.combine(d, time(hh, mm), self.tz).timestamp()

    def _act(self, at: float, fn: Any) -> None:
        self.actions.append((at, len(self.actions), fn))

    def span(self, start: float, end: float, visits: int) -> list[float]:
        end = min(end, self.now - 20 * MIN)
        return [self.rng.uniform(start, end) for _ in range(visits)] if end > start else []

    def plan(self, times: list[float], chats: dict[float, float | None]) -> None:
        """Visits at these times, in time order (returning visitors come back
        after their first visit); `chats`: visits that chat, with a late
        answer's delay (or None for the usual answer)."""
        for t in sorted(times):
            if t in chats:
                self.visit(t, True, chats[t])
            else:
                self.visit(t)

    def visit(self, t: float, chat: bool | None = None, late: float | None = None) -> None:
        rng = self.rng
        back = [v for v, last in self.visitor_last.items() if last < t - 2 * HOUR]
        if back and rng.random() < 0.3:
            visitor = rng.choice(back)
        else:
            self.n_visitors += 1
            visitor = -self.n_visitors  # a placeholder until written
            self.visitor_first[visitor] = t
        site = rng.choice(self.sites)
        presented = rng.choice([*self.agents, None])
        s = Sess(
            visitor,
            site,
            presented,
            t,
            rng.choice(self.BROWSERS),
            rng.choice(self.OSES),
            rng.choice(self.COUNTRIES),
        )
        self.sessions.append(s)
        self.visitor_site[visitor] = site
        self._act(t, ("session", s))
        last = t
        for k in range(rng.randint(0, 3)):
            at = t + (k + 1) * rng.uniform(5, 400)
            self.page_views.append((s, at))
            self._act(at, ("pageview", s, at))
            last = max(last, at)
        if chat if chat is not None else rng.random() < 0.5:
            last = max(last, self._chat(s, t + rng.uniform(1, 600), late))
        if rng.random() < 0.12:
            at = t + rng.uniform(0, 900)
            handled = rng.choice([*self.agents, None])
            self.offline.append((site, handled, at))
            self._act(at, ("offline", site, s, handled, at))
        for kind, rows, p in (
            ("call", self.calls, 0.12),
            ("sms", self.sms, 0.1),
            ("callback", self.callbacks, 0.08),
        ):
            if rng.random() < p:
                at = t + rng.uniform(0, 900)
                agent = rng.choice([*self.agents, None])
                rows.append((visitor, agent, at))
                self._act(at, (kind, s, agent, at))
        self.visitor_last[visitor] = last

    def _chat(self, s: Sess, t: float, late: float | None) -> float:
        rng = self.rng
        c = Conv(s.visitor, s.site, s.presented, t, session=s)
        self.convs.append(c)
        at = t
        for turn in range(rng.randint(1, 4)):
            for _ in range(rng.choice([1, 1, 2, 3])):  # a run of visitor messages
                c.msgs.append(("visitor", None, at))
                at += rng.uniform(3, 200)
                if rng.random() < 0.2:  # a system note: answers nobody, breaks no wait
                    c.msgs.append(("system", None, at))
                    at += rng.uniform(1, 30)
            if turn == 0 and rng.random() < 0.15 and late is None:
                break  # never answered
            if late is not None and turn == 0:
                at += late
            elif rng.random() < 0.1:
                at += rng.uniform(2 * HOUR, 3 * DAY)  # a late answer
            else:
                at += rng.uniform(5, 900)
            if at >= self.now - 5 * MIN:
                break
            # the presented advisor, or someone else
            agent = s.presented if rng.random() < 0.5 else rng.choice(self.agents)
            if agent is None:
                agent = rng.choice(self.agents)
            if c.holder is not None:  # only the holder writes into a held chat (rules.may_handle)
                agent = c.holder
            for _ in range(rng.choice([1, 1, 2])):  # sometimes two agent messages
                c.msgs.append(("agent", agent, at))
                at += rng.uniform(3, 120)
        c.msgs = [m for m in c.msgs if m[2] < self.now - 5 * MIN]
        for m in c.msgs:
            self._act(m[2], ("message", c, m))
        if rng.random() < 0.7:
            c.ended = min(c.msgs[-1][2] + rng.uniform(30, 600), self.now - 2 * MIN)
            self._act(c.ended, ("end", c))
        return c.msgs[-1][2]

    # -- writing --------------------------------------------------------------

    def write(self, store: Any) -> None:
        self.actions.sort(key=lambda a: (a[0], a[1]))
        ids: dict[int, int] = {}

        def run(tx: Any) -> None:
            for _, _, act in self.actions:
                self._write(tx, act, ids)

        store.write_sync(run, log_events=False)
        # placeholders → real visitor ids
        for s in self.sessions:
            s.visitor = ids.get(s.visitor, s.visitor)
        for c in self.convs:
            c.visitor = ids.get(c.visitor, c.visitor)
        for rows in (self.calls, self.sms, self.callbacks):
            rows[:] = [(ids.get(v, v), a, at) for v, a, at in rows]
        self.visitor_site = {
            s.visitor: s.site for s in sorted(self.sessions, key=lambda s: s.started)
        }
        self.visitor_first = {ids.get(v, v): t for v, t in self.visitor_first.items()}

    def _write(self, tx: Any, act: tuple[Any, ...], ids: dict[int, int]) -> None:
        kind = act[0]
        if kind == "session":
            s: Sess = act[1]
            r = visits_store.start_session(
                tx,
                visits_store.Visit(
                    site_id=s.site,
                    visitor_id=ids.get(s.visitor),
                    browser=s.browser,
                    os=s.os,
                    country=s.country,
                    presented_agent_id=s.presented,
                    at=s.started,
                ),
            )
            assert "continued" not in r
            ids[s.visitor] = r["visitor_id"]
            s.id = r["session_id"]
        elif kind == "pageview":
            visits_store.add_pageview(tx, act[1].id, "https://shop.example/p", None, at=act[2])
        elif kind == "message":
            c: Conv = act[1]
            sender, agent, at = act[2]
            if sender == "visitor":
                r = messages_store.visitor_message(
                    tx, ids[c.visitor], c.session.id, c.site, messages_store.NewMessage("hi", at=at)
                )
                c.id = r["conversation_id"]
            elif sender == "system":
                system_message(tx, c.id, "The visitor left the page.", at)
            else:
                messages_store.agent_message(
                    tx, agent, c.id, messages_store.NewMessage("hello", at=at)
                )
        elif kind == "end":
            conversations_store.end_conversation(tx, act[1].id, act[1].ended)
        elif kind == "offline":
            _, site, s, handled, at = act
            offline_store.offline_message(
                tx, site, ids[s.visitor], "N", None, None, "note", at, handled
            )
        elif kind == "call":
            calls_store.start_call(tx, ids[act[1].visitor], act[2], None, at=act[3])
        elif kind == "sms":
            calls_store.add_sms(tx, ids[act[1].visitor], act[2], "+33100000000", "sms", at=act[3])
        elif kind == "callback":
            calls_store.add_callback(
                tx, ids[act[1].visitor], act[2], "+33100000000", None, at=act[3]
            )


# -- the recount ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    lo: float
    hi: float
    site: int | None = None
    agent: int | None = None


class Recount:
    def __init__(self, h: History, site_names: dict[int, str], agent_names: dict[int, str]):
        self.h, self.tz = h, h.tz
        self.site_names, self.agent_names = site_names, agent_names

    def day(self, t: float) -> str:
        return datetime.fromtimestamp(t, self.tz).date().isoformat()

    def month(self, t: float) -> str:
        return datetime.fromtimestamp(t, self.tz).strftime("%Y-%m")

    def hour(self, t: float) -> int:
        return datetime.fromtimestamp(t, self.tz).hour

    def days(self, sc: Scope) -> list[str]:
        first = datetime.fromtimestamp(sc.lo, self.tz).date()
        last = datetime.fromtimestamp(sc.hi - 1e-6, self.tz).date()
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    def months(self, sc: Scope) -> list[str]:
        out: list[str] = []
        for d in self.days(sc):
            if d[:7] not in out:
                out.append(d[:7])
        return out

    # rows in scope, each with its bucketing time
    def sessions(self, sc: Scope) -> list[Sess]:
        return [
            s
            for s in self.h.sessions
            if sc.lo <= s.started < sc.hi
            and sc.site in (None, s.site)
            and sc.agent in (None, s.presented)
        ]

    def page_views(self, sc: Scope) -> list[float]:
        return [
            at
            for s, at in self.h.page_views
            if sc.lo <= at < sc.hi and sc.site in (None, s.site) and sc.agent in (None, s.presented)
        ]

    def convs(self, sc: Scope) -> list[Conv]:
        return [
            c
            for c in self.h.convs
            if sc.lo <= c.started < sc.hi
            and sc.site in (None, c.site)
            and sc.agent in (None, c.advisor)
        ]

    def waits(self, sc: Scope, first_only: bool) -> list[tuple[float, int | None, float]]:
        return [
            (began, agent, s)
            for c in self.h.convs
            if sc.site in (None, c.site)
            for began, agent, s, first in c.waits()
            if sc.lo <= began < sc.hi and sc.agent in (None, agent) and (first or not first_only)
        ]

    def offline(self, sc: Scope) -> list[float]:
        return [
            at
            for site, handled, at in self.h.offline
            if sc.lo <= at < sc.hi and sc.site in (None, site) and sc.agent in (None, handled)
        ]

    def by_visitor(self, rows: list[tuple[int, int | None, float]], sc: Scope) -> list[float]:
        return [
            at
            for v, agent, at in rows
            if sc.lo <= at < sc.hi
            and sc.site in (None, self.h.visitor_site[v])
            and sc.agent in (None, agent)
        ]

    @staticmethod
    def mean(xs: list[float]) -> float | None:
        return sum(xs) / len(xs) if xs else None

    # -- the reports ------------------------------------------------------------

    def _counts(self, sc: Scope, key: Any, names: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(names, 0))
        visitors: dict[str, set[int]] = defaultdict(set)
        for at in self.page_views(sc):
            out[key(at)]["page_views"] += 1
        for s in self.sessions(sc):
            visitors[key(s.started)].add(s.visitor)
        for k, vs in visitors.items():
            out[k]["visitors"] = len(vs)
        for c in self.convs(sc):
            out[key(c.started)]["chats"] += 1
        for name, rows in (
            ("calls", self.h.calls),
            ("sms", self.h.sms),
            ("callbacks", self.h.callbacks),
        ):
            if name in names:
                for at in self.by_visitor(rows, sc):
                    out[key(at)][name] += 1
        return out

    def report(self, sc: Scope, monthly: bool) -> dict[str, Any]:
        names = (
            ["page_views", "visitors", "chats", "calls", "callbacks"]
            if monthly
            else ["page_views", "visitors", "chats", "calls", "sms"]
        )
        labels = self.months(sc) if monthly else self.days(sc)
        per = self._counts(sc, self.month if monthly else self.day, names)
        label = "month" if monthly else "date"
        rows = [{label: k, **{n: per[k][n] for n in names}} for k in labels]
        totals = {n: sum(r[n] for r in rows) for n in names}
        totals["visitors"] = len({s.visitor for s in self.sessions(sc)})
        return {"rows": rows, "totals": totals}

    def visitor_stats(self, sc: Scope) -> dict[str, Any]:
        days = []
        sessions = self.sessions(sc)
        for d in self.days(sc):
            ss = [s for s in sessions if self.day(s.started) == d]
            new = {s.visitor for s in ss if self.h.visitor_first[s.visitor] == s.started}
            days.append(
                {
                    "date": d,
                    "visits": len(ss),
                    "unique_visitors": len({s.visitor for s in ss}),
                    "new_visitors": len(new),
                }
            )

        def breakdown(key: Any) -> dict[str, tuple[int, int]]:
            groups: dict[str, list[Sess]] = defaultdict(list)
            for s in sessions:
                groups[key(s)].append(s)
            return {k: (len(v), len({s.visitor for s in v})) for k, v in groups.items()}

        return {
            "days": days,
            "totals": {
                "visits": len(sessions),
                "unique_visitors": len({s.visitor for s in sessions}),
                "new_visitors": sum(d["new_visitors"] for d in days),
            },
            "by_site": breakdown(lambda s: self.site_names[s.site]),
            "by_browser": breakdown(lambda s: s.browser),
            "by_os": breakdown(lambda s: s.os),
            "by_country": breakdown(lambda s: s.country),
        }

    def agent_stats(self, sc: Scope) -> list[dict[str, Any]]:
        whole = Scope(sc.lo, sc.hi, sc.site, None)
        rows = []
        for aid, name in sorted(self.agent_names.items(), key=lambda a: (a[1], a[0])):
            if sc.agent not in (None, aid):
                continue
            mine = Scope(sc.lo, sc.hi, sc.site, aid)
            convs = self.convs(mine)
            firsts = [s for _, _, s in self.waits(mine, True)]
            turns = [s for _, _, s in self.waits(mine, False)]
            presented = [s for s in self.sessions(whole) if s.presented == aid]
            rows.append(
                {
                    "agent": {"id": aid, "name": name},
                    "chats": len(convs),
                    "answered": sum(1 for c in convs if c.holder is not None),
                    "unanswered": sum(1 for c in convs if c.holder is None),
                    "avg_first_response_s": self.mean(firsts),
                    "median_first_response_s": statistics.median(firsts) if firsts else None,
                    "avg_response_s": self.mean(turns),
                    "visits_presented": len(presented),
                    "visitors_presented": len({s.visitor for s in presented}),
                }
            )
        return rows

    def interactions(self, sc: Scope, key: Any, keys: list[Any]) -> list[dict[str, Any]]:
        chats: dict[Any, int] = defaultdict(int)
        unanswered: dict[Any, int] = defaultdict(int)
        offline: dict[Any, int] = defaultdict(int)
        firsts: dict[Any, list[float]] = defaultdict(list)
        turns: dict[Any, list[float]] = defaultdict(list)
        for c in self.convs(sc):
            chats[key(c.started)] += 1
            unanswered[key(c.started)] += c.holder is None
        for at in self.offline(sc):
            offline[key(at)] += 1
        for began, _, s in self.waits(sc, True):
            firsts[key(began)].append(s)
        for began, _, s in self.waits(sc, False):
            turns[key(began)].append(s)
        return [
            {
                "bucket": k,
                "chats": chats[k],
                "offline_messages": offline[k],
                "avg_first_response_s": self.mean(firsts[k]),
                "avg_response_s": self.mean(turns[k]),
                "unanswered": unanswered[k],
            }
            for k in keys
        ]

    def heatmap(self, sc: Scope) -> list[list[int]]:
        grid = [[0] * 24 for _ in range(7)]
        for c in self.convs(sc):
            local = datetime.fromtimestamp(c.started, self.tz)
            grid[local.weekday()][local.hour] += 1
        return grid
