"""`chatsup demo` minus the console: a tiny seeded database in a temporary data
dir, the server answering, simulated traffic arriving, and nothing left
running afterwards."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import httpx
import pytest

from chatsup import demo
from chatsup.client import SupervisorClient
from tests.harness import make_settings


async def _newest_conversation(url: str, token: str) -> int:
    async with SupervisorClient(url, token) as api:
        page = await api.conversations(limit=1)
        return page.items[0].id if page.items else 0


def test_demo_stack_serves_simulates_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "SEED_DAYS", 2)
    monkeypatch.setattr(demo, "SEED_SCALE", 0.02)
    settings = make_settings(tmp_path)
    traffic = demo.Traffic(rate=4.0, visitors=10, agents=3, speed=40.0, seed=5)
    before = set(threading.enumerate())
    lines: list[str] = []
    data = tmp_path / "data"

    with demo.DemoStack(settings, data_dir=data, traffic=traffic, say=lines.append) as info:
        assert info.db == data / demo.DEMO_DB and info.db.exists()
        assert len(info.agent_tokens) == 3 and info.site_keys
        health = httpx.get(f"{info.url}/v1/health", timeout=5)
        assert health.json()["status"] == "ok"
        page = httpx.get(f"{info.url}/demo/{info.site_keys[0]}", timeout=5)
        assert page.status_code == 200
        seeded = asyncio.run(_newest_conversation(info.url, info.supervisor_token))
        deadline = time.monotonic() + 20  # the first simulated visit (slower under load)
        newest = seeded
        while newest <= seeded and time.monotonic() < deadline:
            time.sleep(0.2)
            newest = asyncio.run(_newest_conversation(info.url, info.supervisor_token))
        assert newest > seeded, "no live conversation from the simulator"

    assert any("seeding" in line for line in lines)
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for t in left:  # a worker the server's loop told to stop may still be ending
        t.join(5)
    left = [t for t in left if t.is_alive()]
    assert not left, left

    # a second run reuses the database (no seeding) with new tokens
    lines.clear()
    with demo.DemoStack(settings, data_dir=data, traffic=traffic, say=lines.append) as again:
        assert again.supervisor_token != info.supervisor_token
        assert asyncio.run(_newest_conversation(again.url, again.supervisor_token)) >= newest
    assert not any("seeding" in line for line in lines)
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_run_demo_prints_the_links_then_hands_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "SEED_DAYS", 1)
    monkeypatch.setattr(demo, "SEED_SCALE", 0.01)
    monkeypatch.setattr(demo, "user_data_dir", lambda: tmp_path / "data")
    seen: list[demo.DemoInfo] = []

    def console(info: demo.DemoInfo, settings: object) -> int:
        seen.append(info)
        assert httpx.get(f"{info.url}/v1/health", timeout=5).is_success
        raise KeyboardInterrupt  # Ctrl-C in the console: a clean stop, no traceback

    monkeypatch.setattr(demo, "_foreground", console)
    before = set(threading.enumerate())
    handlers = logging.getLogger().handlers[:]
    assert demo.run_demo(make_settings(tmp_path)) == 0
    assert logging.getLogger().handlers == handlers  # the log file was the demo's only
    err = capsys.readouterr().err
    info = seen[0]
    for text in (
        info.url,
        f"{info.url}/docs",
        f"{info.url}/demo/{info.site_keys[0]}",
        info.supervisor_token,
    ):
        assert text in err
    assert (tmp_path / "data" / demo.DEMO_DB).exists()
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]
