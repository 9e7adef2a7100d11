"""`chatsup web`: the supervisor console in a browser (textual-serve).

Each browser session runs the console in its own process
(`python -m chatsup.cli`), whose screen textual-serve streams to xterm.js in
the page. The server's address and the supervisor token reach those processes
through their environment (`CHATSUP_CONSOLE__URL`, `CHATSUP_CONSOLE__TOKEN`,
read by chatsup.config), never their command line, so neither shows in the
process list or in textual-serve's log. With no token configured, or when
serving beyond this machine, every session starts on the sign-in screen.

The page is textual-serve's own, served with its scripts and font from this
server (web_page/app_index.html: upstream loads the font from Google), so a
browser needs no network beyond this server."""

from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from textual_serve.server import Server

PAGE = Path(__file__).with_name("web_page")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """0.0.0.0 or :: (every address of the machine): no one can browse to it."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host == ""


def public_url(host: str, port: int, given: str | None = None) -> str:
    """The address browsers use: `given` (--public-url: a proxy's or a DNS
    name), else the host listened on, the machine's name for a wildcard
    (http://0.0.0.0:8766 works from no other machine). The page's scripts
    and its websocket are addressed from it (textual-serve's public_url)."""
    if given:
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--public-url: not an http(s) URL: {given!r}")
        return given.rstrip("/")
    name = socket.gethostname() if is_wildcard(host) else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"http://{name}:{port}"


def session_env(url: str, token: str | None, host: str, config: str | None) -> dict[str, str]:
    """What each browser session's console reads from its environment."""
    env = {"CHATSUP_CONSOLE__URL": url}
    # Beyond loopback anyone who reaches the page would get the configured
    # token's rights: there every session signs in itself.
    env["CHATSUP_CONSOLE__TOKEN"] = token if token and is_loopback(host) else ""
    if config:
        env["CHATSUP_CONFIG"] = str(Path(config).resolve())
    return env


def command() -> str:
    """The command textual-serve runs per session: no secret in it."""
    return shlex.join([sys.executable, "-m", "chatsup.cli"])


def warnings(host: str, public: str) -> list[str]:
    """What `chatsup web` says before serving beyond this machine."""
    if is_loopback(host):
        return []
    out = [
        f"chatsup: listening on {host or 'every address'}: the console is exposed to anyone "
        "who reaches this port (each session still signs in with a supervisor token; the "
        "configured token is never used)"
    ]
    if not public.startswith("https:"):
        out.append(
            "chatsup: plain HTTP: tokens typed in the page cross the network in clear; "
            "prefer 127.0.0.1 behind an HTTPS proxy (--public-url https://…)"
        )
    return out


def serve(
    *,
    url: str,
    token: str | None,
    host: str,
    port: int,
    config: str | None = None,
    public: str | None = None,
) -> int:
    try:
        address = public_url(host, port, public)
    except ValueError as e:
        print(f"chatsup: {e}", file=sys.stderr)
        return 2
    env = session_env(url, token, host, config)
    os.environ.update(env)  # textual-serve hands its own environment to each session
    signs_in = not env["CHATSUP_CONSOLE__TOKEN"]
    print(
        f"chatsup console in a browser: {address}  (server {url}; "
        + ("each session signs in)" if signs_in else "the configured supervisor token)"),
        file=sys.stderr,
    )
    for line in warnings(host, address):
        print(line, file=sys.stderr)
    server = Server(
        command(),
        host=host,
        port=port,
        title="chatsup",
        public_url=address,
        templates_path=PAGE,
    )
    server.serve()
    return 0
