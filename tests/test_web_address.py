"""`chatsup web`'s address: the one it prints and the page's scripts and
websocket use is one a browser on another machine can reach (never
0.0.0.0), and serving beyond loopback is warned about."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from chatsup.tui.web import public_url, warnings
from tests.browser.test_console_web import WebConsole
from tests.harness import World


def test_a_wildcard_host_is_named_by_the_machine() -> None:
    me = socket.gethostname()
    assert public_url("0.0.0.0", 8766) == f"http://{me}:8766"
    assert public_url("::", 8766) == f"http://{me}:8766"
    assert public_url("192.0.2.7", 80) == "http://192.0.2.7:80"
    assert public_url("::1", 8766) == "http://[::1]:8766"
    assert public_url("0.0.0.0", 8766, "https://console.example/") == "https://console.example"
    with pytest.raises(ValueError, match="public-url"):
        public_url("0.0.0.0", 8766, "console.example")


def test_beyond_loopback_is_warned_about() -> None:
    assert warnings("127.0.0.1", "http://127.0.0.1:8766") == []
    said = " ".join(warnings("0.0.0.0", "http://box:8766"))
    assert "exposed" in said and "signs in" in said and "plain HTTP" in said
    behind_tls = " ".join(warnings("0.0.0.0", "https://console.example"))
    assert "exposed" in behind_tls and "plain HTTP" not in behind_tls


def test_the_page_addresses_its_scripts_and_socket_by_the_public_url(
    world: World, tmp_path: Path
) -> None:
    """A real `chatsup web` on loopback, told its public address: the page
    it serves points the browser there, and it prints that address."""
    public = "http://console.example:8123"
    web = WebConsole(world, tmp_path, None, ("--public-url", public))
    try:
        page = httpx.get(web.url, timeout=10).text
    finally:
        log = web.stop()
    sockets = re.findall(r"""["'](wss?://[^"']+)["']""", page)
    assert sockets == ["ws://console.example:8123/ws"], page[:800]
    assert "0.0.0.0" not in page and f"127.0.0.1:{web.port}" not in page
    assert f"chatsup console in a browser: {public}" in log
