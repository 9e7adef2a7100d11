"""A throwaway PostgreSQL cluster for the tests (shared/design/SCALE-OUT.md
§8): one per test session (with pytest-xdist, one per worker: each in a
directory of its own on a port of its own), fsync off, a database per test copied from a
migrated template. initdb and pg_ctl refuse to run as root, so as root they
run as the `postgres` user (runuser). No initdb on the machine: the
PostgreSQL forms are skipped, unless CHATSUP_REQUIRE_PG=1 (CI), which makes
that a failure.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REQUIRE_ENV = "CHATSUP_REQUIRE_PG"
TEMPLATE = "chatsup_tmpl"
# The tests' cluster: nothing waits for a disk.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# A cluster that flushes each commit (the benchmarks: SQLite runs with
# synchronous=full beside it).
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"


def pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries here (Debian's layout, else PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def cluster_dir(tmp: Path) -> Path:
    """Where the cluster lives: `tmp` (pytest's), except as root. The
    `postgres` user cannot reach into pytest's root-owned 0700 base, and
    every pytest run started on the machine resets that base to 0700 (the
    cluster then dies of "could not stat data directory"), so as root it is
    a directory of its own under the system temp dir, owned by postgres."""
    if os.geteuid() != 0:
        return tmp
    return Path(tempfile.mkdtemp(prefix="chatsup-pg-"))


OWNER = "owner.pid"  # in a cluster's root: the pid of the process that started it


def sweep_stale(pattern: str | None = None) -> list[Path]:
    """Stop and remove the clusters whose starting process is gone (a test
    run killed before its teardown leaves its postmaster running, detached).
    A cluster whose owner still runs (another pytest worker) is left alone.
    Answers the roots removed."""
    pattern = pattern or str(Path(tempfile.gettempdir()) / "chatsup-pg-*")
    removed = []
    for root in map(Path, glob.glob(pattern)):
        try:
            owner = int((root / OWNER).read_text())
        except (OSError, ValueError):
            continue  # not one of ours, or still being set up
        try:
            os.kill(owner, 0)
            continue  # its owner runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's process: alive
        Cluster(root, 0).stop()
        removed.append(root)
    return removed


class Cluster:
    """initdb + pg_ctl start in `root`; `new_database()` answers a URL."""

    def __init__(self, root: Path, port: int, settings: str = FAST) -> None:
        self.bin = pg_bin()
        if self.bin is None:
            raise FileNotFoundError("no initdb found (install postgresql)")
        self.root = root
        self.data = root / "data"
        self.port = port
        self.settings = settings
        self.as_root = os.geteuid() == 0
        self._names = itertools.count(1)

    def _run(self, *cmd: str) -> None:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def url(self, db: str) -> str:
        return f"postgresql://chatsup@127.0.0.1:{self.port}/{db}"

    def start(self) -> Cluster:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "chatsup", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        for attempt in range(3):
            opts = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
                f" {self.settings} -c max_connections=200"
            )
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"),
                          "-w", "-o", opts, "start")  # fmt: skip
                break
            except subprocess.CalledProcessError:
                # the free port was taken meanwhile (parallel workers each start
                # a cluster, and servers and clients take ports too): another one
                if attempt == 2:
                    raise
                from chatsup.embedded import free_port

                self.port = free_port()
        (self.root / OWNER).write_text(str(os.getpid()))
        self.admin("CREATE DATABASE " + TEMPLATE)
        from chatsup.server.store.engine_pg import PgEngine

        conn = PgEngine(self.url(TEMPLATE)).open_writer()  # migrated once for every test
        conn.close()
        return self

    def admin(self, sql: str) -> None:
        """Run SQL as the cluster owner (CREATE DATABASE and the like)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())

    def new_database(self) -> str:
        name = f"t_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
