"""Presence history: time online, away and offline per advisor over a range."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from chatsup.server.params import json, report_filter
from chatsup.server.routes.reports import report
from chatsup.server.routes.supervisor import sup
from chatsup.server.store import ListFilter
from chatsup.server.store.presence import presence_stats

router = APIRouter(tags=["monitoring"], dependencies=sup)


@router.get("/v1/stats/presence")
async def presence(request: Request, f: ListFilter = Depends(report_filter)) -> Response:
    """Per advisor: `online_s`, `away_s`, `offline_s` and the intervals over
    the range (default: the last 30 days), clipped to now; before an
    advisor's first recorded change, offline."""
    return json(await report(request, presence_stats, f))
