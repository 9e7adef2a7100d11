"""A full disk (SQLite's own SQLITE_FULL, from a page cap on the server's
writer connection): writes answer 503 with the error shape and one log line
each, no traceback; nothing acknowledged is lost, and writes work again once
there is room."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from chatsup.server.store import Tx
from tests.harness import World


def cap_pages(extra: int | None):  # type: ignore[no-untyped-def]
    def run(tx: Tx) -> None:
        if extra is None:
            tx.execute("PRAGMA max_page_count = 4294967294")
        else:
            n = tx.execute("PRAGMA page_count").fetchone()[0]
            tx.execute(f"PRAGMA max_page_count = {n + extra}")

    return run


def test_a_full_disk_answers_503_and_loses_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    store = world.server.app.state.store
    v, _ = world.visitor()
    store.write_sync(cap_pages(0))
    caplog.clear()
    acked: list[int] = []
    refused = 0
    with caplog.at_level(logging.INFO):
        for i in range(400):
            r = v.post("/v1/widget/messages", json={"body": f"m{i} " + "x" * 2000})
            if r.status_code == 201:
                acked.append(r.json()["message_id"])
                continue
            assert r.status_code == 503, r.text
            err = r.json()["error"]
            assert err["code"] == "storage_unavailable" and "nothing was saved" in err["message"]
            refused += 1
            if refused == 5:
                break
    assert refused == 5
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert all(rec.exc_info is None for rec in errors), "a traceback per request"
    assert all("\n" not in rec.getMessage() for rec in errors)
    assert 1 <= len([r for r in errors if r.name == "chatsup.server.errors"]) <= 5
    store.write_sync(cap_pages(None))  # room again
    assert v.post("/v1/widget/messages", json={"body": "after"}).status_code == 201
    with sqlite3.connect(world.settings.store.path) as c:
        stored = {row[0] for row in c.execute("SELECT id FROM messages")}
    assert set(acked) <= stored
    print(f"disk full after {len(acked)} messages; 5 refused with 503")


def test_report_figures_that_cannot_be_kept_are_said_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Figures a read computed are kept in the background (Store.keep_rollups):
    on a full disk that write fails at every read. One line each, as the
    HTTP answers say it; a fault that is not the storage's keeps its traceback."""
    from concurrent.futures import Future

    from chatsup.server.store.db import _log_failure

    done = _log_failure(sqlite3.Error)
    with caplog.at_level(logging.ERROR):
        full: Future[None] = Future()
        full.set_exception(sqlite3.OperationalError("database or disk is full"))
        done(full)
        bug: Future[None] = Future()
        bug.set_exception(KeyError("x"))
        done(bug)
    storage, fault = caplog.records
    assert storage.exc_info is None and "disk is full" in storage.getMessage()
    assert fault.exc_info is not None
