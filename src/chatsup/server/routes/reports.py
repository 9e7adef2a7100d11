"""Monitoring: daily and monthly reports, visitor, agent and interaction
statistics, and the day-of-week × hour heatmap. Buckets are in the company
time zone; every day of the range appears, with zeros when quiet."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from chatsup.server.errors import ApiError
from chatsup.server.params import json, report_filter
from chatsup.server.routes.exports import REPORTS
from chatsup.server.routes.supervisor import sup
from chatsup.server.store import ListFilter, Rx
from chatsup.server.store import reports as rp

router = APIRouter(tags=["monitoring"], dependencies=sup)


async def report(request: Request, fn: Any, *args: Any) -> Any:
    """Run a report on the store's report pool, and stop it as soon as the
    client leaves (its query is interrupted: the pool is free again)."""
    work = asyncio.ensure_future(request.app.state.store.read_report(fn, *args))

    async def gone() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watch = asyncio.ensure_future(gone())
    try:
        await asyncio.wait((work, watch), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not work.done():
            work.cancel()  # the store interrupts the query (Store.read_report)
    if not work.done():  # nobody is there to read an answer
        raise ApiError(499, "client_gone", "the client closed the connection")
    return work.result()


@router.get("/v1/reports/daily")
async def daily(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Per day: page views, visitors, chats, calls, SMS; with totals (visitors
    in the totals are distinct over the range). Default: last 30 days."""
    return json(await report(request, rp.daily, f))


@router.get("/v1/reports/monthly")
async def monthly(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Per month: page views, visitors, chats, calls, reminders (callbacks).
    Default: the last 12 months."""
    return json(await report(request, rp.monthly, f))


@router.get("/v1/stats/visitors")
async def visitor_stats(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Visits, unique and new visitors per day (default: last 7 days), and by
    site, browser, OS, country."""
    return json(await report(request, rp.visitor_stats, f))


@router.get("/v1/stats/agents")
async def agent_stats(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Per advisor: chats, answered, unanswered, mean and median first
    response, mean response over every turn (waits by who answered, at the
    time they began), visits and distinct visitors presented."""
    return json(await report(request, rp.agent_stats, f))


@router.get("/v1/stats/interactions")
async def interaction_stats(
    request: Request,
    f: ListFilter = Depends(report_filter),
    by: str = Query("day", pattern="^(day|hour)$"),
) -> Response:
    """By day, or by hour of day: chats, offline messages, mean first
    response, mean response over every turn, unanswered."""
    return json(await report(request, rp.interaction_stats, f, by))


@router.get("/v1/stats/heatmap")
async def heatmap(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Chats by day of week (rows, Monday first) × local hour (columns)."""
    return json(await report(request, rp.heatmap, f))


def _rows(report: Any) -> Any:
    def read(rx: Rx, f: ListFilter) -> list[dict[str, Any]]:
        return list(report(rx, f)["rows"])

    return read


REPORTS["daily"] = _rows(rp.daily)
REPORTS["monthly"] = _rows(rp.monthly)
