"""The embeddable widget script and a demo page that embeds it."""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from chatsup.server.errors import ApiError
from chatsup.server.store.sites import site_by_key

router = APIRouter(tags=["widget"])


@lru_cache(maxsize=4)
def _static(name: str) -> str:
    return resources.files("chatsup.server").joinpath("static", name).read_text("utf-8")


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> Response:
    return Response(
        _static("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/demo/{site_key}", include_in_schema=False)
async def demo_page(site_key: str, request: Request) -> HTMLResponse:
    site = await request.app.state.store.read(site_by_key, site_key)
    if site is None:
        raise ApiError(404, "not_found", "unknown site key", "site_key")
    page = _static("demo.html").format(
        site_name=html.escape(site["name"]),
        site_key=html.escape(site["key"], quote=True),
        base=html.escape(str(request.base_url).rstrip("/"), quote=True),
    )
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline';"
            " connect-src 'self' ws: wss:"
        },
    )
