"""Abuse: a visitor flooding messages and an address opening sessions get
429 past the documented limits (config: server.rate_per_visitor,
rate_per_ip, sessions_per_ip), and supervisors' lists stay responsive."""

from __future__ import annotations

import os
import statistics
import threading
import time

import httpx

from tests.harness import ServerProcess, World


def test_session_flood_from_one_address_is_limited(world: World) -> None:
    codes = []
    with world.http() as c:
        for _ in range(40):
            codes.append(
                c.post("/v1/widget/sessions", json={"site_key": world.site_key}).status_code
            )
    assert codes[0] == 201 and 429 in codes
    with world.http() as c:
        r = c.post("/v1/widget/sessions", json={"site_key": world.site_key})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"


FLOOD_BEFORE = 150  # requests the flood has sent before the measurement (limit: 120/min)


def latency(c: httpx.Client, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        assert c.get("/v1/conversations", params={"q": "hello"}).status_code == 200
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_supervisor_stays_responsive_during_a_flood(world: World) -> None:
    """The server runs as its own process so the flood and the measurement
    do not share an interpreter with it."""
    world.server.stop()
    env = {**os.environ, "CHATSUP_CONFIG": "/nonexistent", "CHATSUP_TIMEZONE": "Europe/Paris"}
    proc = ServerProcess(world.settings.store.path, env)
    proc.start()
    url = f"http://127.0.0.1:{proc.port}"
    try:
        with httpx.Client(base_url=url) as anon:
            token = anon.post("/v1/widget/sessions", json={"site_key": world.site_key}).json()[
                "token"
            ]
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=auth) as v:
            v.post("/v1/widget/messages", json={"body": "hello"})
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {world.sup_token}"}
        ) as c:
            idle = latency(c)
            stop = threading.Event()
            under_way = threading.Event()
            codes: list[int] = []

            def flood() -> None:
                with httpx.Client(base_url=url, headers=auth) as f:
                    while not stop.is_set():
                        codes.append(
                            f.post("/v1/widget/messages", json={"body": "spam"}).status_code
                        )
                        if len(codes) >= FLOOD_BEFORE:
                            under_way.set()

            flooder = threading.Thread(target=flood)
            flooder.start()
            # a count, not a wall-clock window: past the limit whatever the machine's speed
            assert under_way.wait(60), f"the flood sent only {len(codes)} requests"
            busy = latency(c)
            stop.set()
            flooder.join()
    finally:
        proc.kill()
    assert 429 in codes and codes.count(201) < 150
    print(
        f"list+search median: idle {idle * 1000:.1f} ms, during flood {busy * 1000:.1f} ms; "
        f"flood requests {len(codes)}, accepted {codes.count(201)}"
    )
    # The flood is turned away at the door (429 above) and every supervisor
    # request during it answered 200 (latency() checks each). How long they
    # took is a figure (printed; bench/api_latency.py measures it), not an
    # assertion: a timed assertion fails on a loaded machine, not on a bug.
