"""Streamed CSV/JSONL exports of what the filters select.

Rows are read page by page with the same keyset cursors as the lists, so
memory stays flat whatever the size. Every CSV cell passes the one
spreadsheet rule (`spreadsheet_safe`): a cell starting with = + - @ tab or
CR gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import StreamingResponse

from chatsup.domain.text import spreadsheet_safe
from chatsup.server.auth import require
from chatsup.server.errors import ApiError
from chatsup.server.params import check_report_range, list_filter
from chatsup.server.store import BadInput, ListFilter, Rx, conversations, visitors
from chatsup.server.store import calls as calls_store
from chatsup.server.store import offline as offline_store
from chatsup.server.store.paging import check_status
from chatsup.server.store.wire import iso

router = APIRouter(tags=["supervisor"])

PAGE = 500


def _name(ref: dict[str, Any] | None) -> str | None:
    return None if ref is None else ref.get("name")


CONVERSATION_COLUMNS = [
    "conversation_id",
    "conversation_started_at",
    "site",
    "advisor",
    "visitor_number",
    "visitor_name",
    "status",
    "first_response_s",
    "message_id",
    "at",
    "sender",
    "sender_name",
    "body",
    "media_url",
]


def _conversation_rows(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """A page of conversations, as one row per message."""
    pg = conversations.list_conversations(rx, f)
    convs = {c["id"]: c for c in pg["items"]}
    rows: list[dict[str, Any]] = []
    if convs:
        marks = ",".join("?" * len(convs))
        by_conv: dict[int, list[Any]] = {cid: [] for cid in convs}
        for r in rx.execute(
            "SELECT m.id, m.conversation_id, m.at, m.sender, a.name AS agent_name, m.body,"
            " m.media_url FROM messages m LEFT JOIN agents a ON a.id = m.agent_id"
            f" WHERE m.conversation_id IN ({marks}) ORDER BY m.conversation_id, m.id",
            list(convs),
        ):
            by_conv[r["conversation_id"]].append(r)
        for cid, c in convs.items():
            for r in by_conv[cid]:
                rows.append(
                    dict(
                        zip(
                            CONVERSATION_COLUMNS,
                            (
                                cid,
                                c["started_at"],
                                _name(c["site"]),
                                _name(c["advisor"]),
                                c["visitor"]["number"],
                                c["visitor"]["name"],
                                c["status"],
                                c["first_response_s"],
                                r["id"],
                                iso(r["at"], rx.tz),
                                r["sender"],
                                r["agent_name"] if r["sender"] == "agent" else None,
                                r["body"],
                                r["media_url"],
                            ),
                            strict=True,
                        )
                    )
                )
    return {"items": rows, "next_cursor": pg["next_cursor"]}


PER_CONVERSATION_COLUMNS = [
    "id",
    "started_at",
    "ended_at",
    "end_reason",
    "site",
    "advisor",
    "visitor_number",
    "visitor_name",
    "messages",
    "first_response_s",
    "avg_response_s",
    "status",
]


def _per_conversation_rows(rx: Rx, f: ListFilter) -> dict[str, Any]:
    """A page of conversations, one row each (`?per=conversation`):
    `avg_response_s` is the mean wait of its answers (README, Metrics:
    average response time, every turn)."""
    pg = conversations.list_conversations(rx, f)
    extra: dict[int, Any] = {}
    if pg["items"]:
        ids = [c["id"] for c in pg["items"]]
        marks = ",".join("?" * len(ids))
        for r in rx.execute(
            "SELECT c.id, c.end_reason, (SELECT avg(m.response_s) FROM messages m"
            " WHERE m.conversation_id = c.id AND m.response_s IS NOT NULL)"
            f" FROM conversations c WHERE c.id IN ({marks})",
            ids,
        ):
            extra[r[0]] = (r[1], r[2])
    rows = [
        dict(
            zip(
                PER_CONVERSATION_COLUMNS,
                (
                    c["id"],
                    c["started_at"],
                    c["ended_at"],
                    extra[c["id"]][0],
                    _name(c["site"]),
                    _name(c["advisor"]),
                    c["visitor"]["number"],
                    c["visitor"]["name"],
                    c["message_count"],
                    c["first_response_s"],
                    extra[c["id"]][1],
                    c["status"],
                ),
                strict=True,
            )
        )
        for c in pg["items"]
    ]
    return {"items": rows, "next_cursor": pg["next_cursor"]}


Getter = Callable[[dict[str, Any]], Any]


Reader = Callable[[Rx, ListFilter], dict[str, Any]]


def _flat(list_fn: Reader, columns: dict[str, Getter]) -> tuple[Reader, list[str]]:
    """A list's pages as rows of `columns`, and the header."""

    def read(rx: Rx, f: ListFilter) -> dict[str, Any]:
        pg = list_fn(rx, f)
        return {
            "items": [{k: get(i) for k, get in columns.items()} for i in pg["items"]],
            "next_cursor": pg["next_cursor"],
        }

    return read, list(columns)


def _key(k: str) -> Getter:
    return lambda i: i[k]


def _named(k: str) -> Getter:
    return lambda i: _name(i[k])


# kind → (the pages of its rows, its header)
KINDS: dict[str, tuple[Reader, list[str]]] = {
    "conversations": (_conversation_rows, CONVERSATION_COLUMNS),
    "offline-messages": _flat(
        offline_store.list_offline,
        {
            "id": _key("id"),
            "at": _key("at"),
            "site": _named("site"),
            "visitor_number": lambda i: (i["visitor"] or {}).get("number"),
            "name": _key("name"),
            "email": _key("email"),
            "phone": _key("phone"),
            "body": _key("body"),
            "handled_by": _named("handled_by"),
            "status": _key("status"),
        },
    ),
    "calls": _flat(
        calls_store.list_calls,
        {
            "id": _key("id"),
            "conversation_id": _key("conversation_id"),
            "started_at": _key("started_at"),
            "duration_s": _key("duration_s"),
            "caller_id": lambda i: i["caller"]["id"],
            "caller_nickname": lambda i: i["caller"]["nickname"],
            "called_id": lambda i: (i["called"] or {}).get("id"),
            "called_nickname": lambda i: (i["called"] or {}).get("nickname"),
            "state": _key("state"),
            "end_reason": _key("end_reason"),
        },
    ),
    "visitors": _flat(
        visitors.list_visitors,
        {
            "id": _key("id"),
            "number": _key("number"),
            "first_seen_at": _key("first_seen_at"),
            "last_seen_at": _key("last_seen_at"),
            "site": _named("site"),
            "presented_agent": _named("presented_agent"),
            "name": _key("name"),
            "page_views": _key("page_views"),
            "country": _key("country"),
        },
    ),
    "contacts": _flat(
        visitors.list_contacts,
        {
            k: _key(k)
            for k in (
                "id",
                "number",
                "name",
                "email",
                "phone",
                "notes",
                "updated_at",
                "last_seen_at",
            )
        },
    ),
}


# Reports register their exports here (daily, monthly) when they exist.
REPORTS: dict[str, Callable[..., Iterable[dict[str, Any]]]] = {}


async def _pages(
    request: Request, reader: Callable[..., dict[str, Any]], f: ListFilter, first: dict[str, Any]
) -> AsyncIterator[list[dict[str, Any]]]:
    """`first`: the first page, read before the response starts (so a bad
    filter is a 422, not a cut stream)."""
    store = request.app.state.store
    pg = first
    while True:
        if pg["items"]:
            yield pg["items"]
        if not pg["next_cursor"]:
            return
        f = replace(f, cursor=pg["next_cursor"])
        pg = await store.read(reader, f)


async def _csv(
    pages: AsyncIterator[list[dict[str, Any]]], columns: list[str] | None = None
) -> AsyncIterator[bytes]:
    """`columns`: the header when known up front (an empty export still has one)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    fields: list[str] | None = None
    safe = spreadsheet_safe
    yield "\ufeff".encode()  # so spreadsheets read UTF-8 as such
    if columns:
        fields = list(columns)
        writer.writerow(fields)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
    async for items in pages:
        if fields is None and items:
            fields = list(items[0])  # the header: the first row's keys
            writer.writerow(fields)
        # a plain writer over lists (DictWriter checks each row's keys: ~10% of an export)
        writer.writerows([safe(row.get(k)) for k in fields or ()] for row in items)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()


async def _jsonl(pages: AsyncIterator[list[dict[str, Any]]]) -> AsyncIterator[bytes]:
    async for items in pages:
        yield b"".join(orjson.dumps(row) + b"\n" for row in items)


@router.get("/v1/export/{kind}")
async def export(
    kind: str,
    request: Request,
    f: ListFilter = Depends(list_filter),
    format: str = Query("csv", pattern="^(csv|jsonl)$"),
    per: str | None = Query(
        None, pattern="^(message|conversation)$", description="conversations: a row per …"
    ),
) -> StreamingResponse:
    """A streamed file of what the filters select: conversations (one row per
    message, or per conversation with `per=conversation`), offline-messages,
    calls, visitors, contacts, daily, monthly."""
    await require(request, "supervisor")
    if per is not None and kind != "conversations":
        raise BadInput("per", "only the conversations export takes it")
    columns: list[str] | None = None  # reports: from their rows (never empty)
    if kind in KINDS:
        reader, columns = KINDS[kind]
        if per == "conversation":
            reader, columns = _per_conversation_rows, PER_CONVERSATION_COLUMNS
        f = replace(f, limit=PAGE, cursor=None)
        # every filter is checked by this first read, before the first byte
        first = await request.app.state.store.read(reader, f)
        pages = _pages(request, reader, f, first)
    elif kind in REPORTS:
        check_status(f)
        check_report_range(request, f)
        rows = await request.app.state.store.read_report(REPORTS[kind], f)

        async def one() -> AsyncIterator[list[dict[str, Any]]]:
            yield list(rows)

        pages = one()
    else:
        raise ApiError(404, "not_found", f"no export named {kind!r}", "kind")
    body = _csv(pages, columns) if format == "csv" else _jsonl(pages)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    filename = f"chatsup-{kind}.{format}"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
