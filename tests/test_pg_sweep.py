"""A test run killed before its teardown leaves its PostgreSQL cluster
running (tests/pg.py starts it detached); the next run's `sweep_stale`
stops it and removes its directory, and leaves a live owner's alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chatsup.embedded import free_port
from tests import pg


def _answers(cluster: pg.Cluster) -> bool:
    import psycopg

    try:
        with psycopg.connect(cluster.url("postgres"), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def test_a_cluster_whose_owner_died_is_swept(tmp_path: Path) -> None:
    if pg.pg_bin() is None and not pg.required():
        pytest.skip("no PostgreSQL (initdb) found")
    root = pg.cluster_dir(tmp_path / "c")
    root.mkdir(parents=True, exist_ok=True)
    cluster = pg.Cluster(root, free_port()).start()
    try:
        assert _answers(cluster)
        pattern = str(root.parent / (root.name[:-1] + "*"))
        assert pg.sweep_stale(pattern) == []  # this process owns it: kept
        assert _answers(cluster)
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        (root / pg.OWNER).write_text(dead.stdout.strip())
        assert pg.sweep_stale(pattern) == [root]
        assert not _answers(cluster) and not root.exists()
    finally:
        if root.exists():
            cluster.stop()
