"""Reports and statistics: the metrics of `metrics.py` over time buckets of
`buckets.py`, with the shared filters (dates, advisor, site)."""

from __future__ import annotations

import bisect
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson

from chatsup.domain.timerange import local_midnight
from chatsup.server.store import buckets as bk
from chatsup.server.store.metrics import CONVERSATION_ADVISOR, METRICS, SOURCES, mean
from chatsup.server.store.paging import ListFilter, one_of
from chatsup.server.store.report_cache import CACHEABLE, Newest
from chatsup.server.store.touches import SETTLE_S, touch_mark
from chatsup.server.store.tx import Rx
from chatsup.server.store.wire import ref

Intervals = list[tuple[Any, float, float]]  # (key, start, end)


def _filters(source: str, f: ListFilter) -> tuple[list[str], list[Any]]:
    src = SOURCES[source]
    conds: list[str] = [src.only] if src.only else []
    params: list[Any] = []
    for cond, values in ((src.site, f.site_ids), (src.agent, f.agent_ids)):
        if cond and values:
            conds.append(any_of(cond, values))
            params.extend(values)
    return conds, params


def any_of(cond: str, values: tuple[Any, ...]) -> str:
    """A source's one-value condition (`… = ?`) for any of `values`."""
    assert cond.count("= ?") == 1
    return cond.replace("= ?", one_of(values))


def aggregate(
    rx: Rx, intervals: Intervals, names: Iterable[str], f: ListFilter
) -> dict[Any, dict[str, Any]]:
    """Each metric over each interval: one query per source table, the
    intervals joined as a JSON table so each is an index range scan. For the
    sources of `report_cache.CACHEABLE`, ended intervals come from the cache
    when it holds them, and an interval that runs into today is the cached
    part before today plus today's rows."""
    names = list(names)
    out: dict[Any, dict[str, Any]] = defaultdict(dict)
    by_source: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_source[METRICS[name][0]].append(name)
    for source, metric_names in by_source.items():
        if rx.cache is not None and source in CACHEABLE:
            _cached(rx, source, metric_names, intervals, f, out)
        else:
            _query(rx, source, metric_names, intervals, f, out)
    for k, _, _ in intervals:
        for n in names:
            v = out[k].get(n)
            out[k][n] = 0 if v is None and not n.endswith("_sum") else v
    return out


def _query(
    rx: Rx,
    source: str,
    metric_names: list[str],
    intervals: Intervals,
    f: ListFilter,
    out: dict[Any, dict[str, Any]],
) -> None:
    if not intervals:
        return
    src = SOURCES[source]
    conds, params = _filters(source, f)
    exprs = ", ".join(METRICS[n][1] for n in metric_names)
    where = "".join(" AND " + c for c in conds)
    keys = [k for k, _, _ in intervals]
    bounds = orjson.dumps([[i, s, e] for i, (_, s, e) in enumerate(intervals)]).decode()
    sql = (
        rx.dialect.intervals_cte() + f" SELECT b.i, {exprs} FROM b JOIN {src.table}"
        f" ON {src.time_col} >= b.s AND {src.time_col} < b.e{where} GROUP BY b.i"
    )
    for row in rx.execute(sql, [bounds, *params]):
        for n, value in zip(metric_names, row[1:], strict=True):
            out[keys[row[0]]][n] = value


def _cached(
    rx: Rx,
    source: str,
    metric_names: list[str],
    intervals: Intervals,
    f: ListFilter,
    out: dict[Any, dict[str, Any]],
) -> None:
    cache = rx.cache
    now = time.time() - SETTLE_S  # a bucket is kept once it ended this long ago
    today = local_midnight(datetime.fromtimestamp(now, rx.tz).date(), rx.tz).timestamp()
    mark = touch_mark(rx)
    newest: Newest = {}
    base = (source, tuple(metric_names), f.site_ids, f.agent_ids)
    fresh: Intervals = []  # intervals that have not ended, computed each time
    split: list[tuple[Any, float, float, float]] = []  # (key, start, today, end)
    ended: Intervals = []  # ended intervals: kept, else computed (and kept)
    for k, s, e in intervals:
        if e <= now:
            ended.append((k, s, e))
        elif s < today:
            split.append((k, s, today, e))
        else:
            fresh.append((k, s, e))
    past_keys = [("past", k) for k, _, _, _ in split]
    ended += [(pk, s, c) for pk, (_, s, c, _) in zip(past_keys, split, strict=True)]
    found = cache.get_many(rx, source, base, ended, newest, mark)
    for k, values in found.items():
        out[k].update(zip(metric_names, values, strict=True))
    missing = [i for i in ended if i[0] not in found]
    stored = cache.stored(rx, source, base, missing, mark)
    for k, values in stored.items():
        out[k].update(zip(metric_names, values, strict=True))
    missing = [i for i in missing if i[0] not in stored]
    _query(rx, source, metric_names, missing, f, out)
    cache.count_computed(source, len(missing))
    changing = cache.changing_times(rx, source) if missing else []
    kept = []
    for k, s, e in missing:
        i = bisect.bisect_left(changing, s)
        if i < len(changing) and changing[i] < e:
            continue  # holds a row that may still change: computed each time
        kept.append((s, e, tuple(out[k].get(n) for n in metric_names)))
    cache.keep(source, base, kept, mark)
    _query(rx, source, metric_names, fresh + [(("today", k), c, e) for k, _, c, e in split], f, out)
    for pk, (k, s, c, e) in zip(past_keys, split, strict=True):
        past, now_part = out.pop(pk, {}), out.pop(("today", k), {})
        for n in metric_names:
            if n == "visitors":  # distinct: today's visitors not already counted
                out[k][n] = (past.get(n) or 0) + _new_since(rx, f, s, c, e)
            elif past.get(n) is None and now_part.get(n) is None:
                out[k][n] = None
            else:
                out[k][n] = (past.get(n) or 0) + (now_part.get(n) or 0)


def _new_since(rx: Rx, f: ListFilter, start: float, cut: float, end: float) -> int:
    """Distinct visitors with a session in [cut, end) and none in [start, cut)."""
    conds, params = _filters("sessions", f)
    where_x = "".join(" AND " + c for c in conds)
    where_y = where_x.replace("x.", "y.")
    return int(
        rx.scalar(
            "SELECT count(DISTINCT x.visitor_id) FROM sessions x"
            f" WHERE x.started_at >= ? AND x.started_at < ?{where_x}"
            " AND NOT EXISTS (SELECT 1 FROM sessions y WHERE y.visitor_id = x.visitor_id"
            f" AND y.started_at >= ? AND y.started_at < ?{where_y})",
            [cut, end, *params, start, cut, *params],
        )
    )


def _days(f: ListFilter, rx: Rx, default_days: int) -> list[bk.Bucket]:
    first, last = bk.span(f.since, f.until, rx.tz, default_days, time.time())
    return bk.days(first, last, rx.tz)


Span = tuple[list[bk.Bucket], str, str]  # buckets cut to the range, its echo


def _cut(f: ListFilter, rx: Rx, buckets: list[bk.Bucket]) -> Span:
    """A datetime range covers part of its first and last bucket only; the
    echo is then the exact instant, else the bucket's label."""
    since = bk.edge(f.since, buckets[0], True, rx.tz)
    until = bk.edge(f.until, buckets[-1], False, rx.tz)
    return bk.clip(buckets, f.since, f.until), since, until


def _span(f: ListFilter, rx: Rx, default_days: int) -> Span:
    return _cut(f, rx, _days(f, rx, default_days))


def _whole(buckets: list[bk.Bucket]) -> Intervals:
    return [("all", buckets[0].start, buckets[-1].end)] if buckets else []


def _report(rx: Rx, f: ListFilter, span: Span, key: str, counts: list[str]) -> dict[str, Any]:
    buckets, since, until = span
    per = aggregate(rx, [(b.label, b.start, b.end) for b in buckets], counts, f)
    rows = [{key: b.label, **{n: per[b.label][n] for n in counts}} for b in buckets]
    totals: dict[str, Any] = {n: sum(r[n] for r in rows) for n in counts}
    if "visitors" in counts:  # distinct over the whole range, not a sum of days
        totals["visitors"] = aggregate(rx, _whole(buckets), ["visitors"], f)["all"]["visitors"]
    return {
        "rows": rows,
        "totals": totals,
        "since": since,
        "until": until,
    }


DAILY = ["page_views", "visitors", "chats", "calls", "sms"]
MONTHLY = ["page_views", "visitors", "chats", "calls", "callbacks"]


def daily(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Per day (default: the last 30 days), with totals."""
    return _report(rx, f, _span(f, rx, 30), "date", DAILY)


def monthly(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Per month (default: the last 12 months), with totals."""
    first, last = bk.span(f.since, f.until, rx.tz, 1, time.time())
    if f.since is None:
        y, m = last.year, last.month - 11
        while m < 1:
            y, m = y - 1, m + 12
        first = date(y, m, 1)
    return _report(rx, f, _cut(f, rx, bk.months(first, last, rx.tz)), "month", MONTHLY)


def _breakdown(rx: Rx, f: ListFilter, intervals: Intervals, column: str) -> list[dict[str, Any]]:
    _, start, end = intervals[0]
    if rx.cache is None:
        return _breakdown_now(rx, f, intervals, column)
    return list(
        rx.cache.over_range(
            rx,
            ("breakdown", column, f.site_ids, f.agent_ids),
            ("sessions",),
            start,
            end,
            lambda: _breakdown_now(rx, f, intervals, column),
        )
    )


def _breakdown_now(
    rx: Rx, f: ListFilter, intervals: Intervals, column: str
) -> list[dict[str, Any]]:
    conds, params = _filters("sessions", f)
    where = "".join(" AND " + c for c in conds)
    _, start, end = intervals[0]
    rows = rx.execute(
        f"SELECT {column} AS k, count(x.id), count(DISTINCT x.visitor_id) FROM sessions x"
        f" WHERE x.started_at >= ? AND x.started_at < ?{where} GROUP BY k",
        [start, end, *params],
    ).fetchall()
    out = [{"key": r[0] or "unknown", "visits": r[1], "visitors": r[2]} for r in rows]
    # most visits first, ties by name: in Python, so both engines answer one
    # order (their sorts of ties and their collations differ)
    out.sort(key=lambda b: (-b["visits"], b["key"]))
    return out


def visitor_stats(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Visits, unique and new visitors per day (default: last 7 days), and
    breakdowns by site, browser, OS and country over the range."""
    buckets, since, until = _span(f, rx, 7)
    names = ["visits", "visitors", "new_visitors"]
    per = aggregate(rx, [(b.label, b.start, b.end) for b in buckets], names, f)
    days = [
        {
            "date": b.label,
            "visits": per[b.label]["visits"],
            "unique_visitors": per[b.label]["visitors"],
            "new_visitors": per[b.label]["new_visitors"],
        }
        for b in buckets
    ]
    whole = _whole(buckets)
    by_site = _breakdown(rx, f, whole, "(SELECT name FROM sites WHERE id = x.site_id)")
    return {
        "days": days,
        "totals": {
            "visits": sum(d["visits"] for d in days),
            "unique_visitors": aggregate(rx, whole, ["visitors"], f)["all"]["visitors"],
            "new_visitors": sum(d["new_visitors"] for d in days),
        },
        "by_site": by_site,
        "by_browser": _breakdown(rx, f, whole, "x.browser"),
        "by_os": _breakdown(rx, f, whole, "x.os"),
        "by_country": _breakdown(rx, f, whole, "x.country"),
        "since": since,
        "until": until,
    }


def agent_stats(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Per advisor over the range (default: last 30 days). With the report
    cache: the part of the range before the first day that may still change
    (today, or a day with an open chat) is kept; the rest is added fresh."""
    buckets, since, until = _span(f, rx, 30)
    _, start, end = _whole(buckets)[0]
    if rx.cache is None:
        parts = _agent_parts(rx, f, start, end)
    else:
        cut = _settled_until(rx, start, end)
        agents_now = tuple(rx.one("SELECT count(*), max(id) FROM agents") or ())
        past = (
            rx.cache.over_range(
                rx,
                ("agents", f.site_ids, *agents_now),
                ("conversations", "answers", "sessions"),
                start,
                cut,
                lambda: _agent_parts(rx, f, start, cut),
                _parts_to_json,
                _parts_from_json,
            )
            if cut > start
            else None
        )
        parts = _agent_parts(rx, f, cut, end, before=start if past else None)
        if past is not None:
            parts = _merge_parts(past, parts)
    rows = []
    for a in rx.execute("SELECT id, name FROM agents ORDER BY name, id"):
        if f.agent_ids and a[0] not in f.agent_ids:
            continue
        c = parts["conv"].get(a[0]) or {"chats": 0, "answered": 0, "unanswered": 0}
        firsts = parts["first"].get(a[0], [])
        total, n = parts["turns"].get(a[0], (None, 0))
        visits, visitors = parts["presented"].get(a[0], (0, 0))
        rows.append(
            {
                "agent": ref(a[0], a[1]),
                "chats": c["chats"],
                "answered": c["answered"],
                "unanswered": c["unanswered"],
                "avg_first_response_s": statistics.fmean(firsts) if firsts else None,
                "median_first_response_s": statistics.median(firsts) if firsts else None,
                "avg_response_s": mean(total, n),
                "visits_presented": visits,
                "visitors_presented": visitors,
            }
        )
    return {"rows": rows, "since": since, "until": until}


def _settled_until(rx: Rx, start: float, end: float) -> float:
    """The start of the first local day in [start, end) that may still change:
    today, or the day of the earliest open conversation in the range."""
    now = time.time() - SETTLE_S
    first = min(now, end)
    open_at = rx.scalar(
        "SELECT min(started_at) FROM conversations WHERE ended_at IS NULL"
        " AND started_at >= ? AND started_at < ?",
        (start, end),
    )
    if open_at is not None:
        first = min(first, open_at)
    cut = local_midnight(datetime.fromtimestamp(first, rx.tz).date(), rx.tz).timestamp()
    return max(start, min(cut, end))


def _agent_parts(
    rx: Rx, f: ListFilter, start: float, end: float, before: float | None = None
) -> dict[str, Any]:
    """Per advisor over [start, end): conversation counts (by the
    conversation's advisor), first responses and response-time sums (by the
    agent who answered, at the time the wait began), visits presented, and
    distinct visitors presented — those already presented in [before, start)
    left out when `before` is given."""
    site = f" AND x.site_id {one_of(f.site_ids)}" if f.site_ids else ""
    sp = list(f.site_ids)
    conv: dict[int, dict[str, Any]] = {}
    for aid, has_agent_msg, has_visitor_msg in rx.execute(
        f"SELECT {CONVERSATION_ADVISOR} AS adv, x.agent_messages > 0, x.visitor_messages > 0"
        f" FROM conversations x WHERE x.started_at >= ? AND x.started_at < ?{site}",
        [start, end, *sp],
    ):
        if aid is None:
            continue
        c = conv.setdefault(aid, {"chats": 0, "answered": 0, "unanswered": 0})
        c["chats"] += 1
        c["answered"] += int(bool(has_agent_msg))
        c["unanswered"] += int(bool(has_visitor_msg) and not has_agent_msg)
    in_site = (
        " AND x.conversation_id IN"
        f" (SELECT id FROM conversations WHERE site_id {one_of(f.site_ids)})"
        if sp
        else ""
    )
    first: dict[int, list[float]] = defaultdict(list)
    for aid, waited in rx.execute(
        "SELECT x.agent_id, x.response_s FROM messages x"
        " WHERE x.waited_from >= ? AND x.waited_from < ? AND x.first_answer = 1"
        f" AND x.agent_id IS NOT NULL{in_site}",
        [start, end, *sp],
    ):
        first[aid].append(waited)
    turns = {
        r[0]: (r[1], r[2])
        for r in rx.execute(
            "SELECT x.agent_id, sum(x.response_s), count(x.response_s) FROM messages x"
            " WHERE x.waited_from >= ? AND x.waited_from < ? AND x.agent_id IS NOT NULL"
            f"{in_site} GROUP BY x.agent_id",
            [start, end, *sp],
        )
    }
    seen_before = (
        rx.dialect.true()
        if before is None
        else "NOT EXISTS (SELECT 1 FROM sessions y WHERE y.visitor_id = x.visitor_id"
        " AND y.presented_agent_id = x.presented_agent_id"
        f" AND y.started_at >= ? AND y.started_at < ?{site.replace('x.', 'y.')})"
    )
    presented = {
        r[0]: (r[1], r[2])
        for r in rx.execute(
            "SELECT x.presented_agent_id, count(x.id), count(DISTINCT CASE WHEN"
            f" {seen_before} THEN x.visitor_id END) FROM sessions x"
            f" WHERE x.started_at >= ? AND x.started_at < ?{site}"
            " GROUP BY x.presented_agent_id",
            [*([] if before is None else [before, start, *sp]), start, end, *sp],
        )
    }
    return {"conv": conv, "first": dict(first), "turns": turns, "presented": presented}


def _parts_to_json(parts: dict[str, Any]) -> dict[str, Any]:
    """Per-advisor parts as JSON (advisor ids are keys: pairs, not objects)."""
    return {name: [[aid, v] for aid, v in part.items()] for name, part in parts.items()}


def _parts_from_json(data: dict[str, Any]) -> dict[str, Any]:
    pairs = {"turns", "presented"}  # (sum, n) and (visits, visitors)
    return {
        name: {aid: tuple(v) if name in pairs else v for aid, v in part}
        for name, part in data.items()
    }


def _merge_parts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    conv: dict[int, dict[str, Any]] = {}
    for part in (a["conv"], b["conv"]):
        for aid, c in part.items():
            m = conv.setdefault(aid, {"chats": 0, "answered": 0, "unanswered": 0})
            for k in ("chats", "answered", "unanswered"):
                m[k] += c[k]
    first = {k: a["first"].get(k, []) + b["first"].get(k, []) for k in {*a["first"], *b["first"]}}
    turns: dict[int, tuple[float | None, int]] = {}
    for part in (a["turns"], b["turns"]):
        for aid, (total, n) in part.items():
            t0, n0 = turns.get(aid, (None, 0))
            turns[aid] = (
                None if t0 is None and total is None else (t0 or 0) + (total or 0),
                n0 + n,
            )
    presented: dict[int, tuple[int, int]] = {}
    for part in (a["presented"], b["presented"]):
        for aid, (visits, visitors) in part.items():
            v0, p0 = presented.get(aid, (0, 0))
            presented[aid] = (v0 + visits, p0 + visitors)
    return {"conv": conv, "first": first, "turns": turns, "presented": presented}


INTERACTIONS = [
    "chats",
    "offline_messages",
    "first_response_sum",
    "first_response_n",
    "response_sum",
    "response_n",
    "unanswered",
]


def _interaction_row(bucket: Any, v: dict[str, Any]) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "chats": v["chats"],
        "offline_messages": v["offline_messages"],
        "avg_first_response_s": mean(v["first_response_sum"], v["first_response_n"]),
        "avg_response_s": mean(v["response_sum"], v["response_n"]),
        "unanswered": v["unanswered"],
    }


def _hour_intervals(rx: Rx, buckets: list[bk.Bucket]) -> Intervals:
    """Every local clock hour of the (cut) days, keyed (day, hour, start): the
    two 02:00 hours of the night clocks go back are two intervals of hour 2."""
    first, last = date.fromisoformat(buckets[0].label), date.fromisoformat(buckets[-1].label)
    lo, hi = buckets[0].start, buckets[-1].end
    out: Intervals = []
    for d, h, s, e in bk.local_hours(first, last, rx.tz):
        s, e = max(s, lo), min(e, hi)
        if s < e:
            out.append(((d, h, s), s, e))
    return out


def interaction_stats(rx: Rx, f: ListFilter, by: str = "day") -> dict[str, Any]:
    """By day, or by local hour of day summed over the range (default: the
    last 30 days)."""
    buckets, since, until = _span(f, rx, 30)
    if by == "day":
        per = aggregate(rx, [(b.label, b.start, b.end) for b in buckets], INTERACTIONS, f)
        rows = [_interaction_row(b.label, per[b.label]) for b in buckets]
    else:
        per = aggregate(rx, _hour_intervals(rx, buckets), INTERACTIONS, f)
        hours: dict[int, dict[str, Any]] = {h: dict.fromkeys(INTERACTIONS, 0) for h in range(24)}
        for (_, h, _), v in per.items():
            for n in INTERACTIONS:
                hours[h][n] = (hours[h][n] or 0) + (v[n] or 0)
        rows = [_interaction_row(h, hours[h]) for h in range(24)]
    return {"by": by, "rows": rows, "since": since, "until": until}


def heatmap(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """Chats by local day of week (0 = Monday) × hour of day."""
    buckets, since, until = _span(f, rx, 28)
    per = aggregate(rx, _hour_intervals(rx, buckets), ["chats"], f)
    grid = [[0] * 24 for _ in range(7)]
    for (d, h, _), v in per.items():
        grid[d.weekday()][h] += v["chats"]
    return {"rows": grid, "since": since, "until": until}
