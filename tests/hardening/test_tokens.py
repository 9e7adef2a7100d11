"""Tokens: `chatsup token list` and `chatsup token revoke` from another
process take effect on a running server within a second; a token in the
query string is refused on plain HTTP; no token reaches the server's log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from chatsup.cli import main
from tests.harness import ServerProcess, World


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHATSUP_CONFIG": "/nonexistent"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "chatsup.cli",
            "token",
            *args,
            "--db",
            str(world.settings.store.path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def until_refused(client: httpx.Client, path: str, within: float) -> float:
    """Seconds until `client` is refused (POST for the widget, else GET)."""
    t = time.monotonic()

    def status() -> int:
        if path.startswith("/v1/widget/"):
            return client.post(path, json={"url": "https://shop.example/"}).status_code
        return client.get(path).status_code

    while status() != 401:
        assert time.monotonic() - t < within, "a revoked token still works"
        time.sleep(0.02)
    return time.monotonic() - t


def test_list_and_revoke_from_another_process(world: World) -> None:
    v, _ = world.visitor()
    assert v.post("/v1/widget/pageviews", json={"url": "https://x/"}).status_code == 201
    listed = cli(world, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:2] == ["id", "role"]
    by_name = {ln.split()[-1]: ln.split()[0] for ln in lines[1:]}
    assert set(by_name) == {"Alice", "Bob", "Boss"}  # no visitors unless asked
    assert len(cli(world, "list", "--visitors").stdout.splitlines()) == 5
    assert world.sup_token not in listed.stdout  # only digests are stored

    sup, bob = world.sup(), world.http(world.agent2_token)
    assert sup.get("/v1/conversations").status_code == 200  # (now in the server's cache)
    assert bob.get("/v1/agent/me").status_code == 200
    # by name; in this process (with its own store) so the revoke lands
    # while the server's cache still holds the token
    assert sup.get("/v1/conversations").status_code == 200
    assert main(["token", "revoke", "Boss", "--db", str(world.settings.store.path)]) == 0
    took = until_refused(sup, "/v1/conversations", 1.0)
    # by id (a prefix of the digest, as listed)
    assert cli(world, "revoke", by_name["Bob"][:8]).returncode == 0
    until_refused(bob, "/v1/agent/me", 1.0)
    # by the token itself (a visitor's)
    assert cli(world, "revoke", v.headers["authorization"][7:]).returncode == 0
    until_refused(v, "/v1/widget/pageviews", 1.0)
    # the others still work; an unknown name is an error
    with world.http(world.agent_token) as alice:
        assert alice.get("/v1/agent/me").status_code == 200
    bad = cli(world, "revoke", "Nobody")
    assert bad.returncode == 1 and "no token" in bad.stderr
    print(f"revoked supervisor token refused after {took * 1000:.0f} ms")


def test_a_token_in_the_query_string_is_refused_on_http(world: World) -> None:
    with world.http() as c:
        r = c.get("/v1/conversations", params={"token": world.sup_token})
        assert r.status_code == 401
        assert r.json()["error"]["field"] == "token"
        assert "Authorization header" in r.json()["error"]["message"]
        r = c.get("/v1/agent/me", params={"token": world.agent_token})
        assert r.status_code == 401
    # WebSockets still take it (a browser cannot set headers there)
    with connect(f"{world.server.ws_url}/v1/live?token={world.sup_token}") as ws:
        ws.ping().wait(5)


TOKEN = re.compile(r"(sup|agt|vis)_[A-Za-z0-9_-]{20,}")


def test_no_token_in_the_server_log(world: World, tmp_path: Path) -> None:
    """The real `chatsup serve` at its default (info) log level, every way a
    token travels: the widget's, an agent's and a supervisor's WebSockets
    with ?token=, refused ones, HTTP headers, and a query token on HTTP."""
    world.server.stop()
    log = tmp_path / "server.log"
    env = {**os.environ, "CHATSUP_CONFIG": "/nonexistent", "CHATSUP_TIMEZONE": "Europe/Paris"}
    proc = ServerProcess(world.settings.store.path, env, log=log)
    proc.start()
    url, ws_url = f"http://127.0.0.1:{proc.port}", f"ws://127.0.0.1:{proc.port}"
    bogus = "agt_" + "Z" * 32
    try:
        with httpx.Client(base_url=url) as c:
            vis = c.post("/v1/widget/sessions", json={"site_key": world.site_key}).json()["token"]
            c.get("/v1/conversations", params={"token": world.sup_token})
            c.get("/v1/conversations", headers={"Authorization": f"Bearer {bogus}"})
        for path, token in (
            ("/v1/widget/ws", vis),
            ("/v1/agent/ws", world.agent_token),
            ("/v1/live", world.sup_token),
        ):
            with connect(f"{ws_url}{path}?token={token}") as ws:
                ws.ping().wait(5)
        for path in ("/v1/widget/ws", "/v1/agent/ws", "/v1/live"):
            try:
                with connect(f"{ws_url}{path}?token={bogus}&after=0") as ws:
                    ws.recv(2)
            except Exception:
                pass  # refused: what we want logged without the token
    finally:
        proc.stop()
    text = log.read_text()
    assert "WebSocket" in text, text  # the handshakes are logged...
    for secret in (vis, world.agent_token, world.sup_token, bogus):
        assert secret not in text  # ...without their tokens
    assert not TOKEN.search(text), TOKEN.search(text)
    assert not re.search(r"token=(?!\*\*\*)", text), text
