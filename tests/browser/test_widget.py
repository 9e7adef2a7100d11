"""The visitor widget in a real headless Chromium, against a real server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from tests.harness import World

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # type: ignore[attr-defined]
        yield pg
        browser.close()


def test_chat_from_the_browser(world: World, page) -> None:
    with connect(f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}") as agent:
        page.goto(f"{world.url}/demo/{world.site_key}")
        page.wait_for_selector(".cs-box textarea")
        assert page.text_content(".cs-head") == "Alice"
        page.fill(".cs-box textarea", "Hello from the browser")
        page.press(".cs-box textarea", "Enter")
        started = json.loads(agent.recv(timeout=10))
        assert started["type"] == "conversation.started"
        cid = started["data"]["id"]
        with world.sup() as c:
            detail = c.get(f"/v1/conversations/{cid}").json()
            assert detail["messages"][0]["body"] == "Hello from the browser"
            vid = detail["conversation"]["visitor"]["id"]
            session = c.get(f"/v1/visitors/{vid}").json()["sessions"][0]
        assert session["os"] and session["os"].startswith("Linux")
        assert "Chrome" in (session["browser"] or "")
        assert isinstance(session["webrtc"], bool)
        hostile = "<img src=x onerror=alert(1)>"
        with world.http(world.agent_token) as a:
            a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": hostile})
        page.wait_for_selector(".cs-agent")
        assert page.text_content(".cs-agent") == hostile
        assert page.query_selector(".cs-box img") is None
        page.wait_for_timeout(300)
        assert page.dialogs == []  # type: ignore[attr-defined]
        # a returning visitor is recognised through localStorage
        page.reload()
        page.wait_for_selector(".cs-box textarea")
        assert page.get_attribute(".cs-box", "data-visitor") == str(
            detail["conversation"]["visitor"]["number"]
        )


def test_offline_form_when_nobody_is_online(world: World, page) -> None:
    page.goto(f"{world.url}/demo/{world.site_key}")
    page.wait_for_selector("[data-chatsup=offline-form]")
    page.fill("[data-chatsup=offline-form] input[name=name]", "Zoé")
    page.fill("[data-chatsup=offline-form] input[name=email]", "zoe@example.com")
    page.fill("[data-chatsup=offline-form] textarea", "Please call me back")
    page.click("[data-chatsup=offline-form] button")
    page.wait_for_selector(".cs-sent")
    with world.sup() as c:
        items = c.get("/v1/offline-messages").json()["items"]
    assert [(i["name"], i["body"]) for i in items] == [("Zoé", "Please call me back")]


def test_widget_says_when_offline_messages_are_off(world: World, page) -> None:
    with world.sup() as c:
        c.patch(f"/v1/sites/{world.site_id}", json={"offline_enabled": False})
    page.goto(f"{world.url}/demo/{world.site_key}")
    page.wait_for_selector(".cs-closed")
    assert page.query_selector("[data-chatsup=offline-form]") is None


def test_share_a_file_from_the_browser(world: World, page, tmp_path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    (tmp_path / "photo.png").write_bytes(png)
    (tmp_path / "tool.exe").write_bytes(b"MZ\x90\x00\x03\x00\x00\x00")
    with connect(f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}"):
        page.goto(f"{world.url}/demo/{world.site_key}")
        page.wait_for_selector(".cs-box .cs-attach")
        with page.expect_file_chooser() as chooser:
            page.click(".cs-box .cs-attach")
        chooser.value.set_files(str(tmp_path / "photo.png"))
        page.wait_for_selector(".cs-media")
        assert page.text_content(".cs-media") == "\U0001f4ce photo.png (108 B)"
        media_id = int(page.get_attribute(".cs-media", "data-media-id") or 0)
        with world.sup() as c:
            r = c.get(f"/v1/media/{media_id}")
            assert r.content == png and r.headers["content-type"] == "image/png"
            (conv,) = c.get("/v1/conversations").json()["items"]
            msgs = c.get(f"/v1/conversations/{conv['id']}").json()["messages"]
            assert msgs[0]["media"]["name"] == "photo.png"
            vid = conv["visitor"]["id"]
            media = c.get(f"/v1/visitors/{vid}").json()["media"]
            assert [(m["name"], m["type"], m["size"]) for m in media] == [
                ("photo.png", "image/png", len(png))
            ]
        # a type outside the allow-list: the server's reason, nothing sent
        page.set_input_files(".cs-box input[type=file]", str(tmp_path / "tool.exe"))
        page.wait_for_selector(".cs-note:has-text('Not sent')")
        assert "PDF" in (page.text_content(".cs-note:has-text('Not sent')") or "")
        assert len(page.query_selector_all(".cs-media")) == 1
