"""Media shared by visitors (API.md, v1 additions): upload, size and type
checks, attachment to a message, who may read it, and the headers it is
served with. Over the real server."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.harness import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
TEXT = "notes: caf\u00e9, r\u00e9sum\u00e9\n".encode()


def upload(v: httpx.Client, data: bytes, name: str = "f.bin") -> httpx.Response:
    return v.post("/v1/widget/media", files={"file": (name, data, "application/octet-stream")})


def test_upload_attach_and_download(world: World) -> None:
    v, s = world.visitor()
    with v:
        r = upload(v, PNG, "../../etc/photo\u202e.png")
        assert r.status_code == 201, r.text
        img = r.json()
        assert img["type"] == "image/png" and img["size"] == len(PNG)
        assert img["name"] == "photo.png"  # path and format characters dropped
        pdf = upload(v, PDF, "invoice.pdf").json()
        assert pdf["type"] == "application/pdf"
        txt = upload(v, TEXT, "notes.exe").json()  # the bytes decide, not the name
        assert txt["type"].startswith("text/plain")
        html = upload(v, b"<html><script>alert(1)</script></html>", "x.html").json()
        assert html["type"].startswith("text/plain")  # served as text, never as a page
        r = v.post("/v1/widget/messages", json={"media_id": img["media_id"]})
        assert r.status_code == 201, r.text
        cid = r.json()["conversation_id"]
        r = v.post(
            "/v1/widget/messages", json={"body": "and the invoice", "media_id": pdf["media_id"]}
        )
        assert r.status_code == 201, r.text
        # the visitor reads its own media
        r = v.get(f"/v1/media/{img['media_id']}")
        assert r.status_code == 200 and r.content == PNG
        _check_headers(r.headers, "image/png", image=True)
        r = v.get(f"/v1/media/{html['media_id']}")
        _check_headers(r.headers, "text/plain", image=False)
        r = v.get(f"/v1/media/{pdf['media_id']}")
        _check_headers(r.headers, "application/pdf", image=False)
        assert "invoice.pdf" in r.headers["content-disposition"]
    with world.sup() as c:
        detail = c.get(f"/v1/visitors/{s['visitor_id']}").json()
        media = {(m["name"], m["type"], m["size"]) for m in detail["media"]}
        assert ("photo.png", "image/png", len(PNG)) in media
        assert ("invoice.pdf", "application/pdf", len(PDF)) in media
        msgs = c.get(f"/v1/conversations/{cid}").json()["messages"]
        assert msgs[0]["media"]["url"] == f"/v1/media/{img['media_id']}"
        assert c.get(f"/v1/media/{pdf['media_id']}").content == PDF
        assert c.get("/v1/media/999999").status_code == 404
    # another visitor, and advisors not holding the chat: 403
    other, _ = world.visitor()
    with other:
        assert other.get(f"/v1/media/{img['media_id']}").status_code == 403
        r = other.post("/v1/widget/messages", json={"media_id": img["media_id"]})
        assert r.status_code == 422 and r.json()["error"]["field"] == "media_id"
    with world.http(world.agent_token) as a:
        assert a.get(f"/v1/media/{img['media_id']}").status_code == 403
        r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "got it"})
        assert r.status_code == 201
        assert a.get(f"/v1/media/{img['media_id']}").content == PNG  # now holding the chat
        assert a.get(f"/v1/media/{txt['media_id']}").status_code == 403  # never sent
        r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "x", "media_id": 1})
        assert r.status_code == 422 and r.json()["error"]["field"] == "media_id"
    with world.http(world.agent2_token) as b:
        assert b.get(f"/v1/media/{img['media_id']}").status_code == 403
    with world.http() as anon:
        assert anon.get(f"/v1/media/{img['media_id']}").status_code == 401


def test_default_limit_is_ten_megabytes(world: World) -> None:
    v, _ = world.visitor()
    with v:
        most = 10 * 1024 * 1024
        r = upload(v, b"a" * most, "big.txt")
        assert r.status_code == 201 and r.json()["size"] == most
        assert upload(v, b"a" * (most + 1), "big.txt").status_code == 413


def _check_headers(h: Any, kind: str, image: bool) -> None:
    assert h["content-type"].startswith(kind)
    assert h["x-content-type-options"] == "nosniff"
    assert h["content-security-policy"] == "default-src 'none'"
    assert h["content-disposition"].startswith("inline" if image else "attachment")


def test_size_and_type_limits(tmp_path: Any) -> None:
    world = World(
        tmp_path,
        server={
            "max_media_bytes": 200_000,
            "max_body_bytes": 65536,
            "max_media_bytes_per_visitor": 300_000,
        },
    )
    try:
        v, _ = world.visitor()
        with v:
            ok = upload(v, PNG + b"\x00" * (200_000 - len(PNG)))
            assert ok.status_code == 201 and ok.json()["size"] == 200_000
            r = upload(v, PNG + b"\x00" * (200_001 - len(PNG)))
            assert r.status_code == 413 and r.json()["error"]["field"] == "file"
            r = upload(v, PNG + b"\x00" * 400_000)  # past the route's body limit too
            assert r.status_code == 413
            for bad in (b"\x00\x01\x02\x03binary", b"MZ\x90\x00\x03", b"\xff\xfe\xfd"):
                r = upload(v, bad)
                assert r.status_code == 415 and r.json()["error"]["field"] == "file", bad
            assert upload(v, b"").status_code == 422
            r = v.post("/v1/widget/media", content=b"raw", headers={"content-type": "image/png"})
            assert r.status_code == 422 and r.json()["error"]["field"] == "file"
            r = v.post("/v1/widget/media", files={"other": ("a.png", PNG, "image/png")})
            assert r.status_code == 422 and r.json()["error"]["field"] == "file"
            # the visitor's quota: 200 000 kept, 100 000 more fit, then no more
            assert upload(v, PNG + bytes(100_000 - len(PNG))).status_code == 201
            r = upload(v, PNG)
            assert r.status_code == 413 and "visitor" in r.json()["error"]["message"]
            # every other route keeps max_body_bytes
            r = v.post("/v1/widget/messages", json={"body": "x" * 70_000})
            assert r.status_code == 413
        with world.sup() as c:
            r = c.post("/v1/widget/media", files={"file": ("a.png", PNG, "image/png")})
            assert r.status_code == 403
    finally:
        world.close()


def test_unsent_media_are_deleted_once_old_and_sent_ones_kept(
    tmp_path: Any, store_backend: str | None
) -> None:
    """`server.unsent_media_keep_s`: an upload no message carries goes once
    that old (the janitor checks every keep_s / 4); one sent in a message
    stays, and so does a fresh one until it too is old. (The newest upload
    of all always stays, so that SQLite never reuses its id.)"""
    w = World(tmp_path, store_url=store_backend, server={"unsent_media_keep_s": 1.5})
    try:
        v, s = w.visitor()
        with v:
            unsent = upload(v, PDF, "unsent.pdf").json()["media_id"]
            sent = upload(v, PNG, "sent.png").json()["media_id"]
            r = v.post("/v1/widget/messages", json={"body": "photo", "media_id": sent})
            assert r.status_code == 201, r.text
            with w.sup() as c:
                assert c.get(f"/v1/media/{unsent}").status_code == 200  # young: kept
                deadline = time.monotonic() + 15
                while c.get(f"/v1/media/{unsent}").status_code != 404:
                    assert time.monotonic() < deadline, "the unsent upload was never deleted"
                    time.sleep(0.2)
                fresh = upload(v, TEXT, "fresh.txt").json()["media_id"]
                assert c.get(f"/v1/media/{sent}").content == PNG  # sent: kept
                assert c.get(f"/v1/media/{fresh}").status_code == 200  # not old yet
                detail = c.get(f"/v1/visitors/{s['visitor_id']}").json()
                assert [m["name"] for m in detail["media"]] == ["sent.png"]  # sent ones
                # the message still shows its file; the unsent one cannot be sent now
                r = v.post("/v1/widget/messages", json={"media_id": unsent})
                assert r.status_code == 422 and r.json()["error"]["field"] == "media_id"
                # old now, but the newest upload: kept, or SQLite would give
                # its id (and URL) to the next one
                time.sleep(1.5 + 0.5)
                assert c.get(f"/v1/media/{fresh}").status_code == 200
                after = upload(v, TEXT, "after.txt").json()["media_id"]
                assert after > fresh > sent > unsent
                while c.get(f"/v1/media/{fresh}").status_code != 404:  # no longer the newest
                    assert time.monotonic() < deadline + 10, "the old upload was never deleted"
                    time.sleep(0.2)
        assert w.query("SELECT count(*) FROM media")[0][0] == 2  # sent and after
    finally:
        w.close()
