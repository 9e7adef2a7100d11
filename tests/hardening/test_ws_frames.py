"""Malformed WebSocket frames close only the socket that sent them, with
the right code, and harm nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from tests.harness import World


async def closed_with(ws, timeout: float = 5) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed:
        return ws.close_code


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x00\x01binary", 1003),  # binary frame
        ("not json", 1007),  # text that is not JSON
        ("[1, 2, 3]", 1007),  # JSON, not an object
        ("x" * (2 << 20), 1009),  # over the 1 MiB frame limit
    ],
)
async def test_bad_frames_close_the_socket(world: World, frame: object, code: int) -> None:
    _, s = world.visitor()
    url = f"{world.server.ws_url}/v1/widget/ws?token={s['token']}"
    agent_url = f"{world.server.ws_url}/v1/agent/ws?token={world.agent_token}"
    async with connect(agent_url) as bystander, connect(url, max_size=None) as ws:
        with contextlib.suppress(ConnectionClosed):  # the server may close mid-send
            await ws.send(frame)
        assert await closed_with(ws) == code
        # the server and the other sockets carry on
        _, s2 = world.visitor()
        async with connect(f"{world.server.ws_url}/v1/widget/ws?token={s2['token']}") as ok:
            await ok.send(json.dumps({"type": "message", "body": "still fine"}))
            ack = json.loads(await asyncio.wait_for(ok.recv(), 5))
            assert ack["type"] == "ack"
        seen = json.loads(await asyncio.wait_for(bystander.recv(), 5))
        assert seen["type"] == "conversation.started"


async def test_invalid_utf8_in_a_text_frame_closes_1007(world: World) -> None:
    _, s = world.visitor()
    async with connect(f"{world.server.ws_url}/v1/widget/ws?token={s['token']}") as ws:
        # bypass the client's own encoding: a text frame whose payload is not UTF-8
        ws.protocol.send_frame(Frame(Opcode.TEXT, b"\xff\xfe\xfd"))
        ws.send_data()
        assert await closed_with(ws) == 1007


async def test_wrong_fields_answer_an_error_and_keep_the_socket(world: World) -> None:
    _, s = world.visitor()
    async with connect(f"{world.server.ws_url}/v1/widget/ws?token={s['token']}") as ws:
        for bad, field in (
            ({"type": "message", "body": 5}, "body"),
            ({"type": "dance"}, "type"),
            ({"type": "message", "body": "x", "client_id": "spa ce"}, "client_id"),
        ):
            await ws.send(json.dumps(bad))
            err = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert err["type"] == "error" and err["field"] == field, err
        await ws.send(json.dumps({"type": "message", "body": "ok"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "ack"
