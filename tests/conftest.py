from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import World

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


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
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
