"""`chatsup web`: the supervisor console in a real headless Chromium, against
a real server, with no network beyond loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.test_widget import CHROMIUM, FLAGS
from tests.harness import World, free_port

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]")
LOCAL = {"127.0.0.1", "localhost"}


class WebConsole:
    def __init__(
        self, world: World, tmp: Path, token: str | None, args: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "web.log"
        env = {
            **os.environ,
            "CHATSUP_CONFIG": str(tmp / "none.toml"),  # no file: nothing configured
            "CHATSUP_CONSOLE__URL": world.url,
        }
        env.pop("CHATSUP_CONSOLE__TOKEN", None)
        if token:
            env["CHATSUP_CONSOLE__TOKEN"] = token
        self.out = self.log.open("wb")
        self.p = subprocess.Popen(
            [sys.executable, "-m", "chatsup.cli", "web", "--port", str(self.port), *args],
            stdout=self.out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert self.p.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def command_lines(self) -> list[str]:
        """The command lines of the web server and every process under it."""
        lines, todo = [], [self.p.pid]
        while todo:
            pid = todo.pop()
            try:
                lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo.extend(int(c) for c in children)
        return [line.decode(errors="replace") for line in lines]

    def stop(self) -> str:
        self.p.terminate()
        try:
            self.p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.out.close()
        return self.log.read_text(errors="replace")


@pytest.fixture
def web(world: World, tmp_path: Path) -> Iterator[WebConsole]:
    w = WebConsole(world, tmp_path, None)
    try:
        yield w
    finally:
        w.stop()


def test_page_answers_and_loads_only_from_itself(web: WebConsole) -> None:
    page = httpx.get(web.url, timeout=10)
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url\(["']?([^"')]+)""", page.text)
    assert urls, page.text[:500]
    for u in urls:
        assert urlsplit(u).hostname in LOCAL, u
        assert httpx.get(u, timeout=10).status_code == 200, u
    assert "googleapis" not in page.text


def test_sign_in_and_messages_in_chromium(world: World, web: WebConsole) -> None:
    from playwright.sync_api import sync_playwright

    with world.visitor()[0] as v:
        v.post("/v1/widget/messages", json={"body": "Where is my parcel?"})
    token = world.sup_token
    screen: list[str] = []
    outside: list[str] = []

    def frames(ws: object) -> None:
        def got(payload: bytes | str) -> None:
            text = payload.decode(errors="ignore") if isinstance(payload, bytes) else payload
            screen.append(ANSI.sub("", text))

        ws.on("framereceived", got)  # type: ignore[attr-defined]

    def shown() -> str:
        return "".join(screen)

    def wait_for(text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in shown():
            drawn = re.sub(r"\s+", " ", shown())[-3000:]
            assert time.monotonic() < deadline, f"{text!r} never drawn: {drawn!r}"
            pg.wait_for_timeout(100)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page()

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if urlsplit(url).hostname in LOCAL:
                r.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                r.abort()  # type: ignore[attr-defined]

        pg.route("**/*", route)
        pg.on("websocket", frames)
        pg.goto(web.url)
        wait_for("Sign in to chatsup")
        pg.click(".xterm-screen")
        pg.keyboard.type("sup_not-a-real-token-at-all")
        pg.keyboard.press("Enter")
        wait_for("refused this token")
        pg.keyboard.press("Home")
        pg.keyboard.press("Control+k")  # the field emptied
        pg.keyboard.type(token, delay=5)
        pg.wait_for_timeout(300)
        pg.keyboard.press("Enter")
        wait_for("1 shown")  # the Messages tab with its row
        wait_for("unanswered")
        browser.close()
    assert outside == []
    assert token not in shown()  # the password field never draws it
    for line in web.command_lines():
        assert token not in line
    log = web.stop()
    assert token not in log and "sup_not-a-real" not in log
