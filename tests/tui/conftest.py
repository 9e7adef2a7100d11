from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import textual.drivers.headless_driver as hd

from tests.harness import World
from tests.tui.pilot import RecordingDriver


@pytest.fixture
def busy_world(tmp_path: Path) -> Iterator[World]:
    """A server with a few chats, a profile, an offline message and a call."""
    w = World(tmp_path)
    bodies = ["Where is my parcel?", "Do you ship to Belgium?", "My umbrella is broken"]
    for i, body in enumerate(bodies):
        v, s = w.visitor()
        with v:
            cid = v.post("/v1/widget/messages", json={"body": body}).json()["conversation_id"]
            if i == 0:
                v.post("/v1/widget/offline-messages", json={"name": "Zoé", "body": "call me"})
        if i < 2:
            with w.http(w.agent_token) as a:
                a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": f"answer {i}"})
                if i == 0:
                    call = a.post("/v1/calls", json={"visitor_id": s["visitor_id"]}).json()
                    a.patch(
                        f"/v1/calls/{call['id']}",
                        json={"state": "missed", "end_reason": "no_answer"},
                    )
        if i == 1:
            with w.sup() as c:
                c.put(
                    f"/v1/visitors/{s['visitor_id']}/profile",
                    json={"name": "Mathieu", "email": "m@example.com"},
                )
    try:
        yield w
    finally:
        w.server.stop()


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Apps started in this test write to RecordingDriver.output."""
    RecordingDriver.output = []
    monkeypatch.setattr(hd, "HeadlessDriver", RecordingDriver)
    return RecordingDriver.output
