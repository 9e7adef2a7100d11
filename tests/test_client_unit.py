"""The client's pure parts: filters → query string, error bodies → exceptions,
server URL → live URL, backoff bounds, live frame handling. Nothing here talks
to a chatsup server; the last tests use a port nobody listens on."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import orjson
import pytest

from chatsup.client import (
    ApiError,
    Filters,
    Forbidden,
    Invalid,
    LiveClient,
    LiveStatus,
    NotFound,
    RateLimited,
    Resync,
    SupervisorClient,
    Unauthorized,
    Unreachable,
    error_from_body,
    ws_url,
)
from chatsup.client.live import backoff_delay
from chatsup.domain.events import Event

# -- Filters ----------------------------------------------------------------------


def test_empty_filters_send_nothing() -> None:
    assert Filters().to_params() == {}
    assert Filters().is_empty


def test_filters_to_params_formats_each_kind() -> None:
    paris = timezone(timedelta(hours=1))
    f = Filters(
        since=date(2026, 3, 1),
        until=datetime(2026, 3, 31, 23, 30, tzinfo=paris),
        agent_id=3,
        site_id=1,
        visitor_id=42,
        q="refund «order»",
        status="answered",
        has_profile=False,
    )
    assert f.to_params() == {
        "since": "2026-03-01",
        "until": "2026-03-31T23:30:00+01:00",
        "agent_id": "3",
        "site_id": "1",
        "visitor_id": "42",
        "q": "refund «order»",
        "status": "answered",
        "has_profile": "false",
    }
    assert Filters(has_profile=True).to_params() == {"has_profile": "true"}


def test_datetime_is_not_mistaken_for_a_date() -> None:
    # datetime is a subclass of date: the time must not be dropped
    f = Filters(since=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert f.to_params() == {"since": "2026-01-02T03:04:05+00:00"}


def test_blank_search_is_left_out() -> None:
    assert Filters(q="   ", status="").to_params() == {}
    assert Filters(q=" a b ").to_params() == {"q": " a b "}


def test_filters_replace_is_a_copy() -> None:
    f = Filters(agent_id=1, q="x")
    g = f.replace(agent_id=None, site_id=2)
    assert g == Filters(site_id=2, q="x")
    assert f == Filters(agent_id=1, q="x")
    with pytest.raises(TypeError):
        f.replace(nope=1)


# -- errors -------------------------------------------------------------------------


def _body(**err: object) -> bytes:
    return orjson.dumps({"error": err})


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (422, Invalid),
        (429, RateLimited),
        (400, ApiError),
        (409, ApiError),
        (502, ApiError),
    ],
)
def test_status_picks_the_subclass(status: int, cls: type[ApiError]) -> None:
    e = error_from_body(status, _body(code="c", message="m"))
    assert type(e) is cls
    assert (e.status, e.code, e.message, e.field) == (status, "c", "m", None)


def test_forbidden_keeps_code_and_field() -> None:
    e = error_from_body(403, _body(code="offline_disabled", message="no offline messages"))
    assert isinstance(e, Forbidden)
    assert e.code == "offline_disabled"
    assert "no offline messages" in str(e)


def test_invalid_names_its_fields() -> None:
    e = error_from_body(
        422,
        _body(
            code="invalid",
            message="email: bad",
            field="email",
            fields={"email": "bad", "phone": "too short"},
        ),
    )
    assert isinstance(e, Invalid)
    assert e.field == "email"
    assert e.fields == {"email": "bad", "phone": "too short"}


def test_invalid_without_fields_still_maps_its_field() -> None:
    e = error_from_body(422, _body(code="invalid", message="phone: too short", field="phone"))
    assert isinstance(e, Invalid)
    assert e.fields == {"phone": "phone: too short"}


def test_rate_limited_reads_retry_after() -> None:
    e = error_from_body(429, _body(code="rate_limited", message="slow down"), {"retry-after": "3"})
    assert isinstance(e, RateLimited)
    assert e.retry_after == 3.0
    assert error_from_body(429, b"").retry_after is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body", [b"", b"<html>Bad Gateway</html>", b"[1, 2]", b'{"detail": 1}', b"\xff\xfe"]
)
def test_foreign_bodies_still_give_an_error(body: bytes) -> None:
    e = error_from_body(502, body)
    assert type(e) is ApiError
    assert e.status == 502
    assert e.code == "http_502"
    assert e.message


# -- URLs and backoff -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/v1/live"),
        ("http://127.0.0.1:8000/", "ws://127.0.0.1:8000/v1/live"),
        ("https://chat.example.com", "wss://chat.example.com/v1/live"),
        ("HTTPS://chat.example.com/support/", "wss://chat.example.com/support/v1/live"),
        ("ws://h:1/v1/live", "ws://h:1/v1/live"),
        ("wss://h/v1/live?after=3", "wss://h/v1/live"),
    ],
)
def test_ws_url(base: str, expected: str) -> None:
    assert ws_url(base) == expected


def test_ws_url_query() -> None:
    assert ws_url("http://h:8000", after=12, token="sup_a-b", x=None) == (
        "ws://h:8000/v1/live?after=12&token=sup_a-b"
    )


@pytest.mark.parametrize("bad", ["ftp://h", "localhost:8000", "/v1/live", ""])
def test_ws_url_refuses_other_schemes(bad: str) -> None:
    with pytest.raises(ValueError):
        ws_url(bad)


def test_live_client_resumes_after_last_id() -> None:
    live = LiveClient("https://h", "tok", after=41)
    assert live.connect_url() == "wss://h/v1/live?after=41"


def test_backoff_grows_within_bounds() -> None:
    for attempt in range(40):
        for r in (0.0, 0.5, 0.999):
            d = backoff_delay(attempt, 0.2, 10.0, lambda r=r: r)
            assert 0.2 <= d <= 10.0
    low = [backoff_delay(a, 0.2, 10.0, lambda: 0.0) for a in range(10)]
    assert low == sorted(low) and low[-1] == 5.0
    assert backoff_delay(0, 0.2, 10.0, lambda: 0.0) != backoff_delay(0, 0.2, 10.0, lambda: 0.99)


# -- live frames ----------------------------------------------------------------------


def _frame(id: int, type: str = "message.created") -> str:
    return orjson.dumps(
        {"id": id, "type": type, "at": "2026-11-24T10:15:00+01:00", "data": {"n": id}}
    ).decode()


def test_live_frames_in_order_without_duplicates() -> None:
    live = LiveClient("http://h", "tok", after=5)
    got = [live._take(f) for f in (_frame(5), _frame(6), _frame(6), _frame(4), _frame(7))]
    events = [g for g in got if g is not None]
    assert all(isinstance(e, Event) for e in events)
    assert [e.id for e in events] == [6, 7]  # type: ignore[union-attr]
    assert live.last_id == 7


def test_live_ignores_heartbeats_and_junk() -> None:
    live = LiveClient("http://h", "tok")
    for raw in (
        '{"type":"heartbeat"}',
        "not json",
        "[1]",
        '{"type":"pong"}',
        '{"id": "x", "type": "t", "at": "nope"}',
    ):
        assert live._take(raw) is None
    assert live.last_id == 0


def test_live_resync_moves_last_id() -> None:
    live = LiveClient("http://h", "tok", after=900)
    r = live._take('{"type":"resync","oldest_id":5,"latest_id":120}')
    assert r == Resync(oldest_id=5, latest_id=120)
    assert live.last_id == 120
    assert live._take(_frame(120)) is None
    ev = live._take(_frame(121))
    assert isinstance(ev, Event) and ev.id == 121
    assert live._take('{"type":"resync"}') == Resync()
    assert live.last_id == 121


# -- nobody listening ---------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_names_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    async with SupervisorClient(url, "tok", timeout=2.0) as api:
        with pytest.raises(Unreachable) as info:
            await api.health()
        assert url in str(info.value)
        dest = tmp_path / "out.csv"
        with pytest.raises(Unreachable):
            await api.export("calls", "csv", Filters(), dest)
        assert list(tmp_path.iterdir()) == []  # no partial file


async def test_live_retries_until_closed() -> None:
    live = LiveClient(
        f"http://127.0.0.1:{_closed_port()}", "tok", after=3, min_backoff=0.01, max_backoff=0.02
    )
    seen: list[LiveStatus] = []
    async for item in live.events():
        assert isinstance(item, LiveStatus)
        seen.append(item)
        if len(seen) == 3:
            await live.close()
    assert [s.state for s in seen[:3]] == ["reconnecting"] * 3
    assert [s.attempt for s in seen[:3]] == [1, 2, 3]
    assert seen[-1] == LiveStatus("offline", "closed")
    assert live.last_id == 3


# -- answers that do not match the wire models ----------------------------------------


class _Foreign(http.server.BaseHTTPRequestHandler):
    """Not a chatsup server: answers each path with a fixed JSON body."""

    BODIES: ClassVar[dict[str, bytes]] = {
        "/v1/health": b'{"status": 5, "version": "1"}',
        "/v1/conversations": b'{"items": [{"id": "seven"}]}',
        "/v1/agents": b'{"items": [{"id": 1, "name": "A", "email": "a@b", "presence": "busy"}]}',
        "/v1/settings": b'{"smtp": true, "newer": {"field": 1}}',
    }

    def do_GET(self) -> None:
        body = self.BODIES[self.path.split("?")[0]]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


async def test_an_answer_that_does_not_match_is_a_bad_response(foreign: str) -> None:
    async with SupervisorClient(foreign, "tok") as api:
        with pytest.raises(ApiError) as info:
            await api.health()
        e = info.value
        assert (e.status, e.code) == (200, "bad_response")
        assert e.message.startswith("the answer to GET /v1/health does not match Health: ")
        assert "$.status" in e.message  # where it did not match
        with pytest.raises(ApiError, match=r"does not match Page\[ConversationItem\]") as info:
            await api.conversations()
        assert info.value.code == "bad_response"
        with pytest.raises(ApiError, match="presence") as info:
            await api.agents()
        assert info.value.code == "bad_response"
        settings = await api.settings()  # unknown fields are ignored
        assert settings.smtp is True and settings.supervisor_address is None
