"""A real chatsup server on a free loopback port, for tests.

uvicorn runs in a thread with its own event loop, so sync tests, async tests
and Textual pilot tests can all talk to it over real HTTP and WebSocket, and
a test can stop and start it again on the same database (a restart).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from chatsup.config import Settings
from chatsup.embedded import EmbeddedServer, free_port
from chatsup.server.store import Store, sites
from chatsup.server.store import agents as agents_store
from chatsup.server.store.engine_sqlite import SqliteEngine
from chatsup.server.store.tokens import create_token

try:
    from chatsup.server.store.engine_pg import PgEngine
except RuntimeError:  # the postgres extra is not installed: SQLite only
    PgEngine = None  # type: ignore[assignment,misc]


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


_sqlite_template: Path | None = None


def migrated_sqlite(path: Path) -> None:
    """A new SQLite store at `path`: a copy of one migrated once per process
    (running the ~100 statements of the migrations was a third of starting a
    world). The migrations themselves stay tested: the first world of every
    run migrates, and so do the store's own tests."""
    global _sqlite_template
    if _sqlite_template is None:
        home = Path(tempfile.mkdtemp(prefix="chatsup-sqlite-"))
        atexit.register(shutil.rmtree, home, True)
        template = home / "template.db"
        conn = SqliteEngine(template).open_writer()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file
        finally:
            conn.close()
        _sqlite_template = template
    shutil.copyfile(_sqlite_template, path)


class QuickStopServer(uvicorn.Server):
    """uvicorn's Server, stopping as soon as it is asked to: the same steps in
    the same order, without uvicorn's fixed pauses (its main loop notices
    `should_exit` on a 0.1 s tick, and its shutdown sleeps 0.1 s, then polls
    the connections every 0.1 s). A thousand servers start and stop in a
    run: those pauses were ~0.2 s a stop, minutes of the suite."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    def wake(self) -> None:
        """From any thread, after `should_exit = True`: the main loop sees it now."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: Any = None) -> None:
        logging.getLogger("uvicorn.error").info("Shutting down")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            await asyncio.wait_for(self._drain(), timeout=self.config.timeout_graceful_shutdown)
        except TimeoutError:
            for t in self.server_state.tasks:
                t.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _drain(self) -> None:
        """Open connections finish (they were asked to), then their tasks."""
        while self.server_state.connections and not self.force_exit:
            await asyncio.sleep(0.005)
        while self.server_state.tasks and not self.force_exit:
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()


class RunningServer(EmbeddedServer):
    """The embedded server (chatsup.embedded), the same one the demo runs, at
    the level `chatsup serve` logs and into the test's logging (no handlers
    of uvicorn's own): conftest's server-log check reads it all. It stops
    without uvicorn's fixed pauses (QuickStopServer)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, own_logs=False, log_level="info")

    def make_server(self, config: Any) -> Any:
        return QuickStopServer(config)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.server.wake()
        super().stop()


class World:
    """A server with one site, two agents and a supervisor token, on SQLite
    (a file in `tmp`) or on PostgreSQL (`store_url`, a fresh database)."""

    def __init__(self, tmp: Path, store_url: str | None = None, **overrides: Any) -> None:
        if store_url is not None:
            overrides["store"] = {**overrides.get("store", {}), "url": store_url}
        self.settings = make_settings(tmp, **overrides)
        if self.settings.store.url is None and not self.settings.store.path.exists():
            migrated_sqlite(self.settings.store.path)
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

    def __init__(self, db: Path, env: dict[str, str], log: Path | None = None) -> None:
        """`log`: where the server's output (its log) goes; else nowhere."""
        self.db = db
        self.env = env
        self.log = log
        self.port = free_port()
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = open(self.log, "ab") if self.log is not None else subprocess.DEVNULL  # noqa: SIM115
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
            stdout=out,
            stderr=out,
        )
        if self.log is not None:
            out.close()  # type: ignore[union-attr]  # (the child holds its own copy)
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

    def stop(self) -> None:
        """A clean stop (SIGINT: uvicorn finishes and flushes its log)."""
        assert self.p is not None
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
