"""`chatsup serve` as a child process on a free port, for benchmarks."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from chatsup.embedded import free_port

TZ_NAME = "Europe/Paris"


def raise_nofile(want: int = 65536) -> int:
    """Raise this process's open-file limit as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def nofile_preexec() -> None:
    raise_nofile()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, tuple[float, float]]:
    """User and system CPU seconds of each thread of a process, by thread id
    (the process's own id: its main thread, the server's event loop)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[float, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # (a thread that ended meanwhile)
            continue
        out[int(task.name)] = (int(fields[11]) / tick, int(fields[12]) / tick)
    return out


def cpu_split(pid: int, before: dict[int, tuple[float, float]], n: float) -> dict[str, float]:
    """CPU µs a message since `before` (`thread_cpu`), `n` messages: the
    event loop (main thread), the other threads (the store's writer, its
    checkpointer, readers), and the system share of all of it."""
    after = thread_cpu(pid)
    loop = other = system = 0.0
    for tid, (user, sys_) in after.items():
        u0, s0 = before.get(tid, (0.0, 0.0))
        used = (user - u0) + (sys_ - s0)
        system += sys_ - s0
        if tid == pid:
            loop += used
        else:
            other += used
    total = loop + other
    return {
        "loop_us": loop / n * 1e6 if n else float("nan"),
        "threads_us": other / n * 1e6 if n else float("nan"),
        "sys_share": system / total if total else float("nan"),
    }


def server_log() -> Any:
    """Where a server's stderr goes: $BENCH_SERVER_LOG if set, else nowhere."""
    path = os.environ.get("BENCH_SERVER_LOG")
    return open(path, "ab") if path else subprocess.DEVNULL


@dataclass
class Child:
    url: str
    proc: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")


@contextmanager
def chatsup_server(db: Path, **env: str) -> Iterator[Child]:
    """`chatsup serve` on a free port. `env` adds CHATSUP_* settings."""
    port = free_port()
    full_env = {**os.environ, "CHATSUP_CONFIG": "/nonexistent", "CHATSUP_TIMEZONE": TZ_NAME, **env}
    # BENCH_PROFILE_DIR: under cProfile, loop and writer thread (bench/profiled.py)
    module = "bench.profiled" if os.environ.get("BENCH_PROFILE_DIR") else "chatsup.cli"
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            "serve",
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=server_log(),
        preexec_fn=nofile_preexec,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).is_success:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise
                time.sleep(0.05)
        yield Child(url, p)
    finally:
        p.terminate()
        p.wait(10)


@contextmanager
def serve(db: Path, **env: str) -> Iterator[str]:
    """`chatsup serve` on `db`: its base URL."""
    with chatsup_server(db, **env) as child:
        yield child.url


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]
