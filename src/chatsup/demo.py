"""`chatsup demo`: a seeded demo database in the user data dir, the server on a
free loopback port, a gentle stream of simulated visitors and advisors, and
the console on top. Quitting the console (or Ctrl-C) stops all of it.

`DemoStack` is everything but the console, as a context manager (tests use it
on their own data dir)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from chatsup.config import Settings, user_data_dir
from chatsup.embedded import EmbeddedServer

DEMO_DB = "demo.db"
SEED_DAYS = 90
SEED_SCALE = 1.0
SEED = 7
ADVISORS = 3
ADVISOR_FILE = "demo-advisor.json"  # where `chatsup agent --demo` finds the server and token
YOU_EMAIL = "you@demo.example"  # the advisor a person plays in `chatsup agent`
SUPERVISOR_ADDRESS = "supervisor@demo.example"  # where `m` mails a transcript (to the outbox)
TIMEZONE = "Europe/Paris"  # the demo's data is French: its clock and days are too

log = logging.getLogger(__name__)


def _demo_tuning() -> Any:
    from chatsup.simulate import Tuning

    # chattier than the simulator's default, so the console has something to show soon
    return Tuning(p_browse=0.35, p_chat=0.5, read_s=(4.0, 25.0))


@dataclass(frozen=True)
class Traffic:
    """The live stream: `rate` visits a second (a few a minute), at most
    `visitors` at once, `agents` advisors, realistic delays ÷ `speed`."""

    rate: float = 8 / 60
    visitors: int = 20
    agents: int = ADVISORS
    speed: float = 1.5
    seed: int | None = None  # None: a new stream each run
    tuning: Any = field(default_factory=_demo_tuning)


@dataclass
class DemoInfo:
    url: str
    supervisor_token: str
    site_keys: list[str]
    site_origins: list[str]
    agent_tokens: list[str] = field(repr=False)
    db: Path
    advisor_token: str = field(default="", repr=False)  # yours, in `chatsup agent --demo`


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def checkpoint(db: Path) -> None:
    """Fold the write-ahead log back into the database and cut it to nothing,
    so a stopped demo leaves no WAL file (the seeding writes hundreds of MB)."""
    import sqlite3

    if not db.exists():
        return
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as e:  # the demo stops anyway; the WAL is folded in next time
        log.warning("could not checkpoint %s: %s", db, e)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the database -----------------------------------------------------------------


def prepare_database(
    settings: Settings, db: Path, fresh: bool, advisors: int, say: Callable[[str], None] = _say
) -> DemoInfo:
    """Seed `db` if it is new (into a side file renamed when complete, so an
    interrupted seeding starts over), then make fresh tokens: a supervisor
    and the first `advisors` seeded advisors (tokens are stored as digests, so
    the old ones cannot be shown again)."""
    from chatsup.server.store import Store
    from chatsup.server.store import agents as agents_store
    from chatsup.server.store import sites as sites_store
    from chatsup.server.store.agents import list_agents
    from chatsup.server.store.sites import list_sites
    from chatsup.server.store.tokens import create_token

    if fresh:
        _remove_db(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        from chatsup.server.seed import seed_demo

        part = db.with_name(db.name + ".seeding")
        _remove_db(part)
        say(f"seeding a demo database ({SEED_DAYS} days, scale {SEED_SCALE:g}) in {db} ...")
        t0 = time.perf_counter()
        store = Store.open(part, tz=settings.tz, synchronous="normal")
        try:
            seed_demo(store, days=SEED_DAYS, scale=SEED_SCALE, seed=SEED, progress=say)
        finally:
            store.close()
        checkpoint(part)
        for suffix in ("", "-wal", "-shm"):
            src = part.with_name(part.name + suffix)
            if src.exists():
                src.replace(db.with_name(db.name + suffix))
        say(f"seeded in {time.perf_counter() - t0:.1f} s")
    store = Store.open(db, tz=settings.tz, synchronous="normal")
    try:
        sites = store.read_sync(list_sites)
        if not sites:
            store.write_sync(sites_store.create_site, "Demo shop", "shop.example")
            sites = store.read_sync(list_sites)
        every = store.read_sync(list_agents)
        you = next((a["id"] for a in every if a["email"] == YOU_EMAIL), None)
        if you is None:
            you = store.write_sync(agents_store.create_agent, "You", YOU_EMAIL)
        agents = sorted((a for a in every if a["email"] != YOU_EMAIL), key=lambda a: a["id"])[
            :advisors
        ]
        for n in range(len(agents), advisors):
            aid = store.write_sync(
                agents_store.create_agent, f"Advisor {n + 1}", f"demo-advisor-{n + 1}@example.com"
            )
            agents.append({"id": aid, "name": f"Advisor {n + 1}"})
        return DemoInfo(
            url="",
            supervisor_token=create_token(store, "supervisor", "demo supervisor", None),
            site_keys=[s["key"] for s in sites],
            site_origins=[f"https://{s['domain']}" for s in sites],
            agent_tokens=[create_token(store, "agent", a["name"], a["id"]) for a in agents],
            db=db,
            advisor_token=create_token(store, "agent", "You", you),
        )
    finally:
        store.close()


# -- the server and the traffic, each in its own thread ------------------------------


class TrafficThread:
    """The simulator in a background thread with its own event loop, until stopped."""

    def __init__(self, info: DemoInfo, traffic: Traffic) -> None:
        self.info = info
        self.traffic = traffic
        self.thread: threading.Thread | None = None
        self.report: Any = None
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name="chatsup-demo-traffic", daemon=True)
        self.thread.start()
        self._ready.wait(10)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as e:  # kept for the caller; the demo goes on without traffic
            self.error = e
            log.exception("demo traffic stopped")
        finally:
            self._ready.set()

    async def _run(self) -> None:
        from chatsup.simulate import simulate

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        t = self.traffic
        self.report = await simulate(
            self.info.url,
            site_keys=self.info.site_keys,
            agent_tokens=self.info.agent_tokens,
            visitors=t.visitors,
            agents=min(t.agents, len(self.info.agent_tokens)),
            rate=t.rate,
            duration=math.inf,
            seed=int(time.time()) if t.seed is None else t.seed,
            stop=self._stop,
            speed=t.speed,
            site_origins=self.info.site_origins,
            grace=2.0,
            tuning=t.tuning,
        )

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if self.thread is not None:
            self.thread.join(timeout=15)
        self.thread = None


# -- all of it ----------------------------------------------------------------------


class DemoStack:
    """`with DemoStack(settings) as demo:` seeds if needed, serves and
    simulates; `demo.info` has the URL and tokens. Leaving stops the traffic,
    then the server."""

    def __init__(
        self,
        settings: Settings,
        *,
        fresh: bool = False,
        data_dir: Path | None = None,
        traffic: Traffic | None = None,
        log_file: Path | None = None,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else user_data_dir()
        self.settings = settings.model_copy(deep=True)
        self.settings.store.path = self.data_dir / DEMO_DB
        self.settings.store.synchronous = "normal"
        self.settings.server.host = "127.0.0.1"
        if self.settings.smtp.host is None:
            self.settings.smtp.outbox = self.data_dir / "outbox"
        if not self.settings.smtp.supervisor_address:
            self.settings.smtp.supervisor_address = SUPERVISOR_ADDRESS
        if self.settings.timezone == "UTC":  # not chosen: the demo's French data
            self.settings.timezone = TIMEZONE
        self.fresh = fresh
        self.traffic = traffic or Traffic()
        self.log_file = log_file
        self.say = say
        self.info: DemoInfo | None = None
        self.server: EmbeddedServer | None = None
        self.sim: TrafficThread | None = None
        self._logs: tuple[logging.Handler, list[logging.Handler], int] | None = None

    def __enter__(self) -> DemoInfo:
        try:
            if self.log_file is not None:
                self._log_to_file(self.log_file)
            info = prepare_database(
                self.settings, self.settings.store.path, self.fresh, self.traffic.agents, self.say
            )
            self.server = EmbeddedServer(
                self.settings, own_logs=self.log_file is None, name="chatsup-demo-server"
            )
            self.server.start()
            info.url = self.server.url
            self.settings.server.port = self.server.port
            self.settings.console.url = info.url
            self.settings.console.token = info.supervisor_token
            self.info = info
            self._write_advisor_file(info)
            self.sim = TrafficThread(info, self.traffic)
            self.sim.start()
        except BaseException:
            self.close()
            raise
        return info

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def advisor_file(self) -> Path:
        return self.data_dir / ADVISOR_FILE

    def _write_advisor_file(self, info: DemoInfo) -> None:
        """The server and your advisor token for `chatsup agent --demo` (only you
        may read it; removed when the demo stops)."""
        path = self.advisor_file
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "url": info.url,
                    "token": info.advisor_token,
                    "page": f"{info.url}/demo/{info.site_keys[0]}",
                },
                f,
            )

    def close(self) -> None:
        if self.info is not None:
            self.advisor_file.unlink(missing_ok=True)
        if self.sim is not None:
            self.sim.stop()
            self.sim = None
        if self.server is not None:
            self.server.stop()
            self.server = None
            checkpoint(self.settings.store.path)
        if self._logs is not None:
            handler, handlers, level = self._logs
            root = logging.getLogger()
            root.handlers[:] = handlers
            root.setLevel(level)
            handler.close()
            self._logs = None

    def _log_to_file(self, path: Path) -> None:
        """Every log record to a file while the demo runs: the console owns
        the terminal. The previous root handlers come back on close."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        self._logs = (handler, root.handlers[:], root.level)
        root.handlers[:] = [handler]
        root.setLevel(logging.WARNING)


def run_demo(settings: Settings, fresh: bool = False) -> int:
    data = user_data_dir()
    data.mkdir(parents=True, exist_ok=True)
    log_file = data / "demo.log"
    try:
        with DemoStack(settings, fresh=fresh, data_dir=data, log_file=log_file) as info:
            key = info.site_keys[0]
            _say(
                f"chatsup demo: server {info.url}  (API docs: {info.url}/docs)\n"
                f"  widget demo page: {info.url}/demo/{key}\n"
                f"  supervisor token: {info.supervisor_token}\n"
                f"  answer as an advisor, in another terminal: chatsup agent --demo\n"
                f"  database: {info.db}; server log: {log_file}\n"
                f"  live traffic: {ADVISORS} simulated advisors, a few visitors a minute"
            )
            return _foreground(info, settings)
    except KeyboardInterrupt:
        _say("chatsup demo: stopped")
        return 0


def demo_advisor(data_dir: Path | None = None) -> tuple[str, str, str]:
    """The URL, advisor token and widget demo page of the `chatsup demo`
    running now."""
    path = (data_dir or user_data_dir()) / ADVISOR_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["url"]), str(data["token"]), str(data.get("page") or "")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no chatsup demo is running ({path} is missing): start `chatsup demo` first"
        ) from None
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path} is not what `chatsup demo` writes: {e}") from e


def _foreground(info: DemoInfo, settings: Settings) -> int:
    try:
        from chatsup.tui.app import run_console
    except ImportError:
        _say("the console is not built yet: the demo runs until Ctrl-C")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            _say("chatsup demo: stopping")
            return 0
    s = settings.model_copy(deep=True)
    s.console.url = info.url
    s.console.token = info.supervisor_token
    return int(run_console(url=info.url, token=info.supervisor_token, settings=s) or 0)
