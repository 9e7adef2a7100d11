from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg
from tests.harness import World, free_port

# The contract suites: every test of these modules that uses `world` (or
# `store_backend`) runs on SQLite and on PostgreSQL (shared/design/SCALE-OUT.md
# §5). Others: SQLite.
BOTH_ENGINES = (
    "test_api_",
    "test_live.py",
    "test_reports.py",
    "test_report_cache.py",
    "test_media.py",
    "test_presence_stats.py",
    "test_multi_filters.py",
    "test_supervisor_chat.py",
    "test_idle_end.py",
    "test_people_search.py",
    "test_presence_retry.py",
)

# Every event the store emits must match its model in chatsup.domain.events
# byte for byte, or its write fails (servers started as child processes too).
os.environ["CHATSUP_STRICT_EVENTS"] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run the long (nightly) forms")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="long form: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.path.name.startswith(BOTH_ENGINES):
        metafunc.parametrize("store_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL cluster for the session (tests/pg.py)."""
    if pg.pg_bin() is None:
        if pg.required():
            pytest.fail(f"no PostgreSQL (initdb) found and {pg.REQUIRE_ENV}=1")
        pytest.skip("no PostgreSQL (initdb) found: install postgresql to run these")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if pg.required():
            pytest.fail(f"psycopg is not installed and {pg.REQUIRE_ENV}=1")
        pytest.skip("psycopg is not installed: pip install 'chatsup[postgres]'")
    pg.sweep_stale()  # clusters left running by killed test runs
    cluster = pg.Cluster(pg.cluster_dir(tmp_path_factory.mktemp("pg")), free_port()).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The store under a test's world: None (SQLite), or the URL of a fresh
    PostgreSQL database (when the test runs in its `postgresql` form)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    yield request.getfixturevalue("pg_url")


@pytest.fixture
def pg_url(pg_cluster: pg.Cluster) -> Iterator[str]:
    """A fresh database in the session's cluster (tests of PostgreSQL only,
    and the `postgresql` form of the contract suites)."""
    name = pg_cluster.new_database()
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture
def world(tmp_path: Path, store_backend: str | None) -> Iterator[World]:
    w = World(tmp_path, store_url=store_backend)
    try:
        yield w
    finally:
        w.close()


SECRET = re.compile(r"(sup|agt|vis)_[A-Za-z0-9_-]{16,}|token=(?!\*\*\*)[^&\s\"']+")


class _ServerRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith(("uvicorn", "chatsup"))


@pytest.fixture(scope="session", autouse=True)
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every line the in-process servers log during the whole run, into one
    file; at the end no secret may be in it (no token, no `token=` value)."""
    path = tmp_path_factory.mktemp("server-log") / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.addFilter(_ServerRecords())
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if SECRET.search(ln)]
    if lines:
        pytest.fail(f"secrets in the server log ({path}):\n" + "\n".join(lines[:10]))
