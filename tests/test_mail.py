"""Mailing a transcript through a real SMTP server (aiosmtpd on loopback),
and the outbox fallback."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.harness import World, free_port


class Collect:
    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Collect, int]]:
    handler = Collect()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield handler, port
    finally:
        ctl.stop()


@pytest.fixture
def smtp_world(tmp_path: Path, smtp: tuple[Collect, int]) -> Iterator[World]:
    w = World(
        tmp_path,
        smtp={"host": "127.0.0.1", "port": smtp[1], "tls": "none", "sender": "chatsup@example.com"},
    )
    yield w
    w.server.stop()


def conversation(world: World, name: str) -> int:
    v, s = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "<script>alert(1)</script> hi"}).json()[
            "conversation_id"
        ]
    with world.http(world.agent_token) as a:
        a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "Hello & welcome"})
    with world.sup() as c:
        c.put(f"/v1/visitors/{s['visitor_id']}/profile", json={"notes": "x", "name": name})
    return cid


def test_transcript_is_mailed(smtp_world: World, smtp: tuple[Collect, int]) -> None:
    handler, _ = smtp
    cid = conversation(smtp_world, "Mathieu")
    with smtp_world.sup() as c:
        r = c.post(f"/v1/conversations/{cid}/mail", json={"to": "boss@example.com"})
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "sent"
        # without `to`: the configured supervisor address
        assert c.post(f"/v1/conversations/{cid}/mail").json()["to"] == "boss@example.com"
    assert len(handler.envelopes) == 2
    mail_from, rcpt, raw = handler.envelopes[0]
    assert mail_from == "chatsup@example.com" and rcpt == ["boss@example.com"]
    msg = email.message_from_bytes(raw, policy=default)
    assert msg["Subject"].startswith(f"Chat #{cid} — Shop — V")
    assert "Mathieu" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> hi" in text and "advisor Alice: Hello & welcome" in text
    assert "<script>" not in page and "&lt;script&gt;" in page and "Hello &amp; welcome" in page


def test_header_injection_is_impossible(smtp_world: World, smtp: tuple[Collect, int]) -> None:
    handler, _ = smtp
    cid = conversation(smtp_world, "Eve\r\nBcc: victim@example.com")
    with smtp_world.sup() as c:
        for to in (
            "boss@example.com\r\nBcc: x@evil.example",
            "a@b.example, c@d.example",
            "not an address",
            "=?utf-8?q?x?=@example.com\n",
        ):
            r = c.post(f"/v1/conversations/{cid}/mail", json={"to": to})
            assert r.status_code == 422 and r.json()["error"]["field"] == "to", to
        # the profile name with CR/LF was refused at the door...
        r = c.put("/v1/visitors/1/profile", json={"name": "Eve\r\nBcc: victim@example.com"})
        assert r.status_code == 422
        assert c.post(f"/v1/conversations/{cid}/mail").status_code == 202
    msg = email.message_from_bytes(handler.envelopes[-1][2], policy=default)
    assert msg["Bcc"] is None and msg.get_all("To") == ["boss@example.com"]


def test_outbox_when_no_smtp(world: World) -> None:
    cid = conversation(world, "Zoé")
    with world.sup() as c:
        r = c.post(f"/v1/conversations/{cid}/mail")
        assert r.status_code == 202
        out = r.json()
    assert out["status"] == "saved"
    path = Path(out["path"])
    assert path.parent == world.settings.smtp.outbox
    msg = email.message_from_bytes(path.read_bytes(), policy=default)
    assert msg["To"] == "boss@example.com" and "Zoé" in msg["Subject"]


def test_smtp_down_is_a_502(tmp_path: Path) -> None:
    w = World(tmp_path, smtp={"host": "127.0.0.1", "port": free_port(), "tls": "none"})
    try:
        cid = conversation(w, "Bob")
        with w.sup() as c:
            r = c.post(f"/v1/conversations/{cid}/mail")
        assert r.status_code == 502 and r.json()["error"]["code"] == "mail_failed"
    finally:
        w.server.stop()
