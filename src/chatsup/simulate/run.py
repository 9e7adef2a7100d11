"""The asyncio driver: advisors on their shifts, visits started on the plan's
schedule (at most `visitors` at once), a stop after `duration` seconds or on
`stop`, then a short grace for what is in flight, and every socket closed."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from chatsup.simulate import plan as planning
from chatsup.simulate.advisor import Advisor
from chatsup.simulate.desk import Desk, KnownVisitors
from chatsup.simulate.net import Pools
from chatsup.simulate.report import SimReport
from chatsup.simulate.runtime import Runtime
from chatsup.simulate.visitor import Visit

DEFAULT_ORIGIN = "https://www.example.com"


async def simulate(
    url: str,
    *,
    site_keys: Sequence[str],
    agent_tokens: Sequence[str],
    visitors: int,
    agents: int,
    rate: float,
    duration: float,
    seed: int,
    stop: asyncio.Event | None = None,
    speed: float = 1.0,
    site_origins: Sequence[str] | None = None,
    grace: float = 5.0,
    tuning: planning.Tuning = planning.DEFAULT_TUNING,
    closed_every: float = 900.0,
    closed_for: float = 45.0,
) -> SimReport:
    """Drive `visitors` simulated visitors at most at once (new visits at
    about `rate` a second) and `agents` advisors (the first `agents` of
    `agent_tokens`) against the server at `url`, for `duration` seconds
    (`math.inf`: until `stop` is set). Delays within a visit and a shift are
    realistic seconds divided by `speed`. `site_origins` (one per site key)
    make the page URLs. Returns what the server acknowledged."""
    if not site_keys:
        raise ValueError("at least one site key is needed")
    if agents < 0 or agents > len(agent_tokens):
        raise ValueError(f"{agents} advisors need as many agent tokens ({len(agent_tokens)} given)")
    if visitors < 1:
        raise ValueError("visitors must be at least 1")
    origins = list(site_origins or [])
    origins += [DEFAULT_ORIGIN] * (len(site_keys) - len(origins))
    report = SimReport(seed=seed, visitors=visitors, agents=agents, rate=rate, speed=speed)
    pools = Pools(max(8, min(128, visitors)))
    rt = Runtime(url, report, speed, pools)
    desk = Desk(agents)
    known = KnownVisitors(visitors)
    try:
        for j in range(agents):
            shift = planning.Shift(seed, j, closed_every, closed_for)
            rt.spawn("advisor", Advisor(rt, desk, j, agent_tokens[j], shift).run())
        dispatcher = rt.loop.create_task(
            _dispatch(rt, desk, known, visitors, rate, seed, site_keys, origins, tuning)
        )
        waiters: list[asyncio.Future[Any]] = [dispatcher]
        stop_task = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stop_task is not None:
            waiters.append(stop_task)
        timeout = None if math.isinf(duration) else max(0.0, duration)
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            rt.stop()
            if stop_task is not None:
                stop_task.cancel()
            await asyncio.gather(dispatcher, return_exceptions=True)
            cancelled = await rt.drain(grace)
            if cancelled:
                report.errors["cancelled after grace"] += cancelled
    finally:
        report.elapsed_s = rt.loop.time() - rt.t0
        await pools.aclose()
    return report


async def _dispatch(
    rt: Runtime,
    desk: Desk,
    known: KnownVisitors,
    visitors: int,
    rate: float,
    seed: int,
    site_keys: Sequence[str],
    origins: Sequence[str],
    tuning: planning.Tuning,
) -> None:
    slots = asyncio.Semaphore(visitors)
    for v in planning.visits(seed, rate, len(site_keys), tuning):
        if not await rt.wait(v.at - (rt.loop.time() - rt.t0)):
            return
        if slots.locked():
            rt.report.busy_waits += 1
            acquire = asyncio.ensure_future(slots.acquire())
            if not await rt.wait(None, acquire):
                acquire.cancel()
                return
        else:
            await slots.acquire()
        visit = Visit(rt, desk, known, v, site_keys[v.site], origins[v.site])
        rt.spawn("visit", visit.run()).add_done_callback(lambda _: slots.release())
