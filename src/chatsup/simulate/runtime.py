"""What every simulated person shares while a run goes: the clock (real time ×
`speed` is the plan's realistic time), a stoppable sleep, the wrapper that
counts requests and their failures, and the report."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from chatsup.client import ApiError, RateLimited, Unreachable
from chatsup.simulate.net import Pools
from chatsup.simulate.report import SimReport

log = logging.getLogger("chatsup.simulate")

T = TypeVar("T")


class Signal:
    """A level-less wake-up: `future()` is resolved by the next `fire()`."""

    __slots__ = ("_fut",)

    def __init__(self) -> None:
        self._fut: asyncio.Future[None] | None = None

    def future(self) -> asyncio.Future[None]:
        if self._fut is None or self._fut.done():
            self._fut = asyncio.get_running_loop().create_future()
        return self._fut

    def fire(self) -> None:
        if self._fut is not None and not self._fut.done():
            self._fut.set_result(None)
        self._fut = None


class Runtime:
    def __init__(self, url: str, report: SimReport, speed: float, pools: Pools) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.url = url.rstrip("/")
        self.report = report
        self.speed = speed
        self.pools = pools
        self.loop = asyncio.get_running_loop()
        self.t0 = self.loop.time()
        self.stopped: asyncio.Future[None] = self.loop.create_future()
        self.tasks: set[asyncio.Task[Any]] = set()

    # -- time -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return not self.stopped.done()

    def stop(self) -> None:
        if not self.stopped.done():
            self.stopped.set_result(None)

    def clock(self) -> float:
        """Realistic seconds since the start."""
        return (self.loop.time() - self.t0) * self.speed

    async def wait(self, real_s: float | None, *also: asyncio.Future[Any]) -> bool:
        """Wait `real_s` seconds (None: no limit), or until one of `also` is
        done; False once the run is stopping."""
        if self.stopped.done():
            return False
        if real_s is not None and real_s <= 0 and not also:
            await asyncio.sleep(0)
        else:
            await asyncio.wait(
                (self.stopped, *also), timeout=real_s, return_when=asyncio.FIRST_COMPLETED
            )
        return not self.stopped.done()

    async def sleep(self, realistic_s: float, *also: asyncio.Future[Any]) -> bool:
        """Sleep a realistic duration (scaled by speed); False once stopping."""
        return await self.wait(max(0.0, realistic_s) / self.speed, *also)

    async def sleep_until(self, realistic_t: float, *also: asyncio.Future[Any]) -> bool:
        return await self.sleep(realistic_t - self.clock(), *also)

    # -- requests ---------------------------------------------------------------

    async def call(
        self, what: str, aw: Awaitable[T], raising: tuple[type[ApiError], ...] = ()
    ) -> T | None:
        """Await one API call; its answer, or None (counted) when it failed.
        Errors of the `raising` types are passed on to the caller instead."""
        t = time.perf_counter()
        try:
            return await aw
        except raising:
            raise
        except RateLimited:
            self.report.rate_limited += 1
        except ApiError as e:
            self.report.errors[f"{what}: {e.status} {e.code}"] += 1
        except Unreachable:
            self.report.errors[f"{what}: unreachable"] += 1
        finally:
            self.report.requests += 1
            self.report.latency.add(time.perf_counter() - t)
        return None

    async def ok(self, what: str, aw: Awaitable[Any]) -> bool:
        """`call` for answers that carry nothing: True when it succeeded."""
        return await self.call(what, _true(aw)) is not None

    # -- tasks ------------------------------------------------------------------

    def spawn(self, what: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A task of the run: kept until done, its unexpected failure counted."""
        task = self.loop.create_task(self._guard(what, coro))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _guard(self, what: str, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as e:  # one person's failure must not end the run
            self.report.errors[f"{what}: {type(e).__name__}"] += 1
            log.debug("%s failed", what, exc_info=True)

    async def drain(self, grace_s: float) -> int:
        """Let running tasks finish what they are doing (each stops at its next
        sleep), then cancel what is left; returns how many were cancelled."""
        deadline = self.loop.time() + grace_s
        while pending := {t for t in self.tasks if not t.done()}:
            left = deadline - self.loop.time()
            if left <= 0:
                break
            await asyncio.wait(pending, timeout=left)
        pending = {t for t in self.tasks if not t.done()}
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)


async def _true(aw: Awaitable[Any]) -> bool:
    await aw
    return True
