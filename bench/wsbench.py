"""Shared pieces of the WebSocket benchmarks (P3 ingest, P4 live latency,
P5 idle sockets): a fresh database, the chatsup server and a bare
`websockets` baseline server as child processes, and a load generator that
runs in its own process (the machine has 2 cores: one for the server under
test, one for the clients).

    python -m bench.wsbench echo PORT          # the baseline server
    python -m bench.wsbench load CONFIG.json    # the load generator

The baseline server is as bare as a chat relay gets: a visitor's frame is
echoed back to it (the "ack") and relayed as-is, wrapped in a fixed envelope,
to every socket connected on `/v1/live` (the supervisors). No parsing, no
storage. The load generator speaks the same frames to both servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.server import (  # noqa: F401 (re-exported for the bench scripts)
    TZ_NAME,
    Child,
    chatsup_server,
    cpu_s,
    free_port,
    nofile_preexec,
    raise_nofile,
    server_log,
)


def status_kb(pid: int, key: str) -> int:
    """A `/proc/PID/status` figure in kB (VmRSS, VmHWM...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mb(pid: int) -> float:
    return status_kb(pid, "VmRSS") / 1024


def reset_peak(pid: int) -> None:
    """Reset VmHWM (the peak RSS) of a child to its current RSS."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


# -- a fresh database ------------------------------------------------------------


@dataclass
class World:
    db: Path
    site_key: str
    sup_token: str
    tmp: tempfile.TemporaryDirectory[str] = field(repr=False)

    def close(self) -> None:
        self.tmp.cleanup()


def fresh_world() -> World:
    """An empty chatsup database with one site and a supervisor token."""
    from zoneinfo import ZoneInfo

    from chatsup.cli import create_token
    from chatsup.server.store import Store, sites

    tmp = tempfile.TemporaryDirectory(prefix="chatsup-bench-")
    db = Path(tmp.name) / "bench.db"
    store = Store.open(db, tz=ZoneInfo(TZ_NAME))
    try:
        site = store.write_sync(sites.create_site, "Shop", "shop.example")
        token = create_token(store, "supervisor", "bench", None)
    finally:
        store.close()
    return World(db, site["key"], token, tmp)


# -- servers as child processes ------------------------------------------------


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def echo_server() -> Iterator[Child]:
    """The baseline: a bare `websockets` relay (see the module doc)."""
    port = free_port()
    p = subprocess.Popen(
        [sys.executable, "-m", "bench.wsbench", "echo", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=server_log(),
        preexec_fn=nofile_preexec,
    )
    try:
        _wait_port(port, p)
        yield Child(f"http://127.0.0.1:{port}", p)
    finally:
        p.terminate()
        p.wait(10)


async def _echo_main(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve
    from websockets.exceptions import ConnectionClosed

    supervisors: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request else ""
        if path.startswith("/v1/live"):
            supervisors.add(ws)
            try:
                await ws.wait_closed()
            finally:
                supervisors.discard(ws)
            return
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                text = frame if isinstance(frame, str) else frame.decode()
                await ws.send(text)
                broadcast(supervisors, '{"type":"message.created","data":' + text + "}")

    async with serve(
        handler, "127.0.0.1", port, compression=None, max_size=1 << 20, ping_interval=None
    ):
        await asyncio.Future()


# -- sessions ---------------------------------------------------------------------


def create_sessions(url: str, site_key: str, n: int, workers: int = 16) -> list[str]:
    """`n` visitor sessions over HTTP (POST /v1/widget/sessions); their tokens.
    Each worker has its own one-connection client (one shared pool of many
    connections spends the client's CPU finding a free connection)."""
    body = {
        "site_key": site_key,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)"
        " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    }

    async def run() -> list[str]:
        out: list[str] = []
        left = [n]

        async def worker() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=60) as c:
                while left[0] > 0:
                    left[0] -= 1
                    r = await c.post("/v1/widget/sessions", json=body)
                    r.raise_for_status()
                    out.append(r.json()["token"])

        await asyncio.gather(*(worker() for _ in range(min(workers, n))))
        return out

    return asyncio.run(run())


# -- the load generator -------------------------------------------------------------


def run_load(config: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
    """Run the load generator in its own process; its JSON result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.wsbench", "load", f.name],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=nofile_preexec,
        )
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _local_addr(i: int, spread: int) -> tuple[str, int] | None:
    """A loopback source address (127.0.0.2...) so many sockets do not run out
    of ephemeral ports on one address pair."""
    return None if spread <= 1 else (f"127.0.0.{2 + i % spread}", 0)


async def _open(url: str, token: str | None, i: int = 0, spread: int = 1) -> Any:
    from websockets.asyncio.client import connect

    headers = {"Authorization": f"Bearer {token}"} if token else None
    kw: dict[str, Any] = {}
    addr = _local_addr(i, spread)
    if addr is not None:
        kw["local_addr"] = addr
    return await connect(
        url,
        additional_headers=headers,
        compression=None,
        open_timeout=60,
        max_size=1 << 22,
        max_queue=None,
        ping_interval=None,
        **kw,
    )


def _spread(cfg: dict[str, Any], key: str) -> list[str]:
    """The servers a kind of client connects to, round-robin: `key` (a list
    of ws base URLs: several processes on one database), else `ws`."""
    urls: list[str] = cfg.get(key) or [cfg["ws"]]
    return urls


async def _supervisors(cfg: dict[str, Any]) -> list[Any]:
    # after= beyond the log's end: a resync frame, then only new events
    urls = _spread(cfg, "sup_ws")
    return [
        await _open(urls[k % len(urls)] + "/v1/live?after=999999999999", cfg.get("sup_token"))
        for k in range(cfg.get("supervisors", 5))
    ]


async def _visitors(cfg: dict[str, Any]) -> list[Any]:
    urls = _spread(cfg, "visitor_ws")
    return [
        await _open(urls[i % len(urls)] + "/v1/widget/ws", t) for i, t in enumerate(cfg["tokens"])
    ]


async def _ingest(cfg: dict[str, Any]) -> dict[str, Any]:
    """Closed loop: every visitor keeps `window` messages in flight (a new one
    goes when an ack comes back); counts acks and supervisor copies."""
    sups = await _supervisors(cfg)
    visitors = await _visitors(cfg)
    window = int(cfg.get("window", 1))
    timed = bool(cfg.get("ack_latency"))  # each ack's latency from its send
    ack_lat: list[float] = []
    state = {"measuring": False, "stop": False}
    acks = [0]
    errors = [0]
    seen = [0] * len(sups)
    body = "x" * int(cfg.get("body_chars", 60))
    run = os.urandom(4).hex()  # client ids unique per run: a repeated one is a retry

    async def visitor(i: int, ws: Any) -> None:
        n = 0
        sent: dict[bytes, float] = {}

        async def send() -> None:
            nonlocal n
            n += 1
            key = f"{run}-{i}-{n}"
            if timed:
                sent[key.encode()] = time.perf_counter()
            await ws.send(
                orjson.dumps(
                    {"type": "message", "client_id": key, "body": f"{body} {i}-{n}"}
                ).decode()
            )

        for _ in range(window):
            await send()
        while not state["stop"]:
            raw = await ws.recv(decode=False)
            if b'"ack"' in raw or b'"message"' in raw:
                if state["measuring"]:
                    acks[0] += 1
                    if timed:
                        t = sent.pop(_client_id(raw), None)
                        if t is not None:
                            ack_lat.append(time.perf_counter() - t)
                elif timed:
                    sent.pop(_client_id(raw), None)
                await send()
            elif b'"error"' in raw:
                errors[0] += 1
                await send()

    async def supervisor(k: int, ws: Any) -> None:
        while True:
            raw = await ws.recv(decode=False)
            if state["measuring"] and b'"message.created"' in raw:
                seen[k] += 1

    tasks = [asyncio.create_task(visitor(i, ws)) for i, ws in enumerate(visitors)]
    tasks += [asyncio.create_task(supervisor(k, ws)) for k, ws in enumerate(sups)]
    await asyncio.sleep(cfg.get("warmup", 1.0))
    state["measuring"] = True
    t0 = time.perf_counter()
    c0 = time.process_time()
    await asyncio.sleep(cfg["seconds"])
    state["measuring"] = False
    elapsed = time.perf_counter() - t0
    client_cpu = (time.process_time() - c0) / elapsed
    state["stop"] = True
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ws in visitors + sups:
        ws.transport.abort()
    return {
        "acks": acks[0],
        "errors": errors[0],
        "seconds": elapsed,
        "ack_rate": acks[0] / elapsed,
        "sup_rate": sum(seen) / len(seen) / elapsed if seen else 0.0,
        "client_cpu": client_cpu,
        "ack_latencies": ack_lat,
    }


def _client_id(raw: bytes) -> bytes:
    """The `client_id` of an ack frame, without parsing the whole frame."""
    at = raw.find(b'"client_id":"')
    if at < 0:
        return b""
    at += len(b'"client_id":"')
    return raw[at : raw.find(b'"', at)]


async def _latency(cfg: dict[str, Any]) -> dict[str, Any]:
    """Open loop: `rate` messages a second spread over the visitors; each
    supervisor notes when each message's event reaches it."""
    sups = await _supervisors(cfg)
    visitors = await _visitors(cfg)
    rate = float(cfg["rate"])
    sent: dict[str, float] = {}
    lat: list[float] = []
    ack_lat: list[float] = []
    state = {"measuring": False, "stop": False}
    pad = "x" * int(cfg.get("body_chars", 40))
    run = os.urandom(4).hex()  # client ids unique per run: a repeated one is a retry

    async def drain_acks(ws: Any) -> None:
        while True:
            raw = await ws.recv(decode=False)
            now = time.perf_counter()
            try:
                msg = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            key = msg.get("client_id") if msg.get("type") == "ack" else None
            if key is None and msg.get("type") == "message":  # the baseline's echo
                key = msg.get("client_id")
            t = sent.get(key) if isinstance(key, str) else None
            if t is not None and state["measuring"]:
                ack_lat.append(now - t)

    async def supervisor(ws: Any) -> None:
        while True:
            raw = await ws.recv(decode=False)
            now = time.perf_counter()
            if b'"message.created"' not in raw:
                continue
            body = orjson.loads(raw)["data"]["body"]
            t = sent.get(body.rsplit(" ", 1)[-1])
            if t is not None and state["measuring"]:
                lat.append(now - t)

    tasks = [asyncio.create_task(drain_acks(ws)) for ws in visitors]
    tasks += [asyncio.create_task(supervisor(ws)) for ws in sups]

    async def pace() -> None:
        seq = 0
        start = time.perf_counter()
        while not state["stop"]:
            seq += 1
            due = start + seq / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            key = f"{run}k{seq}"
            ws = visitors[seq % len(visitors)]
            sent[key] = time.perf_counter()
            await ws.send(
                orjson.dumps({"type": "message", "client_id": key, "body": f"{pad} {key}"}).decode()
            )

    pacer = asyncio.create_task(pace())
    await asyncio.sleep(cfg.get("warmup", 1.0))
    state["measuring"] = True
    t0 = time.perf_counter()
    await asyncio.sleep(cfg["seconds"])
    state["measuring"] = False
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.5)  # let the last ones arrive (not counted)
    state["stop"] = True
    for t in [*tasks, pacer]:
        t.cancel()
    await asyncio.gather(*tasks, pacer, return_exceptions=True)
    for ws in visitors + sups:
        ws.transport.abort()
    return {
        "seconds": elapsed,
        "events": len(lat),
        "event_rate": len(lat) / len(sups) / elapsed,
        "latencies": lat,
        "ack_latencies": ack_lat,
    }


async def _idle(cfg: dict[str, Any]) -> dict[str, Any]:
    """Open `count` visitor sockets (at most `concurrency` handshakes at a
    time), print `ready N` and hold them until a line comes on stdin."""
    sem = asyncio.Semaphore(int(cfg.get("concurrency", 100)))
    tokens: list[str | None] = cfg.get("tokens") or [None] * int(cfg["count"])
    spread = int(cfg.get("spread", 8))
    socks: list[Any] = []
    failed = 0

    async def one(i: int, token: str | None) -> None:
        nonlocal failed
        async with sem:
            try:
                socks.append(await _open(cfg["ws"] + "/v1/widget/ws", token, i, spread))
            except Exception:
                failed += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
    took = time.perf_counter() - t0
    print(f"ready {len(socks)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    open_still = sum(1 for s in socks if s.state.name == "OPEN")
    for s in socks:
        s.transport.abort()
    return {"opened": len(socks), "failed": failed, "open_at_end": open_still, "connect_s": took}


def _load_main(path: str) -> None:
    raise_nofile()
    cfg = json.loads(Path(path).read_text())
    fn = {"ingest": _ingest, "latency": _latency, "idle": _idle}[cfg["mode"]]
    result = asyncio.run(fn(cfg))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        raise_nofile()
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_echo_main(int(sys.argv[2])))
    elif sys.argv[1] == "load":
        _load_main(sys.argv[2])
