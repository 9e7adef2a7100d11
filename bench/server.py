"""`chatsup serve` as a child process on a free port, for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db: Path, **env: str) -> Iterator[str]:
    port = free_port()
    full_env = {**os.environ, "CHATSUP_CONFIG": "/nonexistent",
                "CHATSUP_TIMEZONE": "Europe/Paris", **env}
    p = subprocess.Popen([sys.executable, "-m", "chatsup.cli", "serve", "--db", str(db),
                          "--port", str(port)], env=full_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).is_success:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        p.terminate()
        p.wait(10)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]
