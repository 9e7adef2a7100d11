"""A real chatsup server on a free loopback port, for tests.

uvicorn runs in a thread with its own event loop, so sync tests, async tests
and Textual pilot tests can all talk to it over real HTTP and WebSocket, and
a test can stop and start it again on the same database (a restart).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from chatsup.config import Settings
from chatsup.server.run import uvicorn_config
from chatsup.server.store import Store, sites
from chatsup.server.store import agents as agents_store
from chatsup.server.store.engine_sqlite import SqliteEngine
from chatsup.server.store.tokens import create_token

try:
    from chatsup.server.store.engine_pg import PgEngine
except RuntimeError:  # the postgres extra is not installed: SQLite only
    PgEngine = None  # type: ignore[assignment,misc]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(tmp: Path, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "timezone": "Europe/Paris",
        "store": {"path": tmp / "chatsup.db", "synchronous": "normal"},
        "smtp": {"outbox": tmp / "outbox", "supervisor_address": "boss@example.com"},
        "server": {"host": "127.0.0.1", "port": 0},
    }
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    return Settings(**data)


class RunningServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> RunningServer:
        config = uvicorn_config(self.settings, host="127.0.0.1", port=self.port)
        self.app: Any = config.app
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=15)
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()


class World:
    """A server with one site, two agents and a supervisor token, on SQLite
    (a file in `tmp`) or on PostgreSQL (`store_url`, a fresh database)."""

    def __init__(self, tmp: Path, store_url: str | None = None, **overrides: Any) -> None:
        if store_url is not None:
            overrides["store"] = {**overrides.get("store", {}), "url": store_url}
        self.settings = make_settings(tmp, **overrides)
        store = self.open_store()
        try:
            site = store.write_sync(sites.create_site, "Shop", "shop.example")
            self.site_id: int = site["id"]
            self.site_key: str = site["key"]
            site2 = store.write_sync(sites.create_site, "Blog", "blog.example")
            self.site2_id: int = site2["id"]
            self.site2_key: str = site2["key"]
            self.agent_id: int = store.write_sync(
                agents_store.create_agent, "Alice", "alice@example.com"
            )
            self.agent2_id: int = store.write_sync(
                agents_store.create_agent, "Bob", "bob@example.com"
            )
            self.agent_token = create_token(store, "agent", "Alice", self.agent_id)
            self.agent2_token = create_token(store, "agent", "Bob", self.agent2_id)
            self.sup_token = create_token(store, "supervisor", "Boss", None)
        finally:
            store.close()
        self.clients: list[httpx.Client] = []
        self.server = RunningServer(self.settings).start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def engine(self) -> str:
        """The store's database: "sqlite" or "postgresql"."""
        return self.settings.store.engine

    def open_store(self, **kw: Any) -> Store:
        """Another Store on the world's database (as another process would)."""
        st = self.settings.store
        return Store.open(st.path, tz=kw.pop("tz", self.settings.tz), url=st.url, **kw)

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        """Run SQL on the world's database directly (placeholders `?`, both
        engines), committed; answers the rows it returns."""
        st = self.settings.store
        engine: Any = SqliteEngine(st.path) if st.url is None else PgEngine(st.url)
        conn = engine.connect()
        try:
            engine.begin_write(conn)
            cur = conn.execute(sql, params)
            rows = list(cur.fetchall()) if cur.description is not None else []
            engine.commit(conn)
            return rows
        finally:
            conn.close()

    def dump(self) -> str:
        """Every stored row as text (to prove what is *not* stored)."""
        st = self.settings.store
        if st.url is None:
            conn = sqlite3.connect(st.path)
            try:
                return "\n".join(conn.iterdump())
            finally:
                conn.close()
        tables = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return "\n".join(
            str(r[0]) for (t,) in tables for r in self.query(f"SELECT CAST(t AS text) FROM {t} t")
        )

    def http(self, token: str | None = None) -> httpx.Client:
        """A client for the test; closed with the world if the test did not."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()
        self.server.stop()

    def sup(self) -> httpx.Client:
        return self.http(self.sup_token)

    def visitor(
        self, site_key: str | None = None, **kw: Any
    ) -> tuple[httpx.Client, dict[str, Any]]:
        """A new visitor: its session answer and a client holding its token."""
        with self.http() as c:
            r = c.post("/v1/widget/sessions", json={"site_key": site_key or self.site_key, **kw})
            assert r.status_code == 201, r.text
            data = r.json()
        return self.http(data["token"]), data


class ServerProcess:
    """`chatsup serve` as a real child process (for kill -9 and for load that
    must not share the test's interpreter)."""

    def __init__(self, db: Path, env: dict[str, str]) -> None:
        self.db = db
        self.env = env
        self.port = free_port()
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.p = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chatsup.cli",
                "serve",
                "--db",
                str(self.db),
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/v1/health", timeout=1).is_success:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        assert self.p is not None
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
