"""The wire models (`domain/models.py`) are plain dataclasses read by two
libraries: the console's msgspec decoder (`client/base.py`) and the server's
pydantic (FastAPI response models, event payloads). Both must read every
model alike: the same values, unknown fields ignored, times with their
offsets, absent optionals as None. Checked on generated bodies for every
model and on the real server's answers."""

from __future__ import annotations

import asyncio
import dataclasses
import types
import typing
from datetime import datetime
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter

from chatsup.client.base import _decoder
from chatsup.domain import models
from tests.harness import World
from tests.test_client import visitor_says

WIRE = sorted(
    (
        cls
        for cls in vars(models).values()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__ == models.__name__
    ),
    key=lambda cls: cls.__name__,
)
TIMES = ("2026-03-29T01:30:00.125+05:30", "2026-10-25T02:30:00Z", "2026-11-30T23:59:59.999-03:30")


def _sample(hint: Any, n: int, full: bool, params: dict[Any, Any]) -> Any:
    """A JSON value of type `hint`; `n` varies times and literals, `full`
    fills optionals (else they are left null); `params`: what `T` stands for."""
    hint = params.get(hint, hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return _sample(real[0], n, full, params) if full or len(real) == len(args) else None
    if origin is typing.Literal:
        return args[n % len(args)]
    if origin is list:
        return [_sample(args[0], n + i, full, params) for i in range(2)]
    if dataclasses.is_dataclass(origin or hint):
        return _body(hint, n, full)
    return {
        int: 7 + n,
        float: 1.5 + n,
        bool: n % 2 == 0,
        str: f"é\x1b[31m{n}",
        datetime: TIMES[n % len(TIMES)],
    }[hint]


def _body(model: Any, n: int, full: bool) -> dict[str, Any]:
    cls = typing.get_origin(model) or model
    hints = typing.get_type_hints(cls)
    params: dict[Any, Any] = {}  # Page[X], or a class based on Page[X]: T is X
    for base in (*getattr(cls, "__orig_bases__", ()), model):
        origin = typing.get_origin(base)
        if origin is not None and origin is not typing.Generic:
            params.update(zip(origin.__parameters__, typing.get_args(base), strict=True))
    out: dict[str, Any] = {"unknown_field": {"a": 1}}  # the server may add fields
    for f in dataclasses.fields(cls):
        if not full and f.default is None:
            continue  # absent: the default
        out[f.name] = _sample(hints[f.name], n, full, params)
    return out


def _both(model: Any, body: bytes) -> tuple[Any, Any]:
    return _decoder(model).decode(body), TypeAdapter(model).validate_json(body)


@pytest.mark.parametrize("cls", WIRE, ids=lambda c: c.__name__)
@pytest.mark.parametrize("full", [True, False], ids=["filled", "sparse"])
def test_both_readers_agree_on_every_model(cls: type, full: bool) -> None:
    model: Any = models.Page[models.ConversationItem] if cls is models.Page else cls
    for n in range(3):
        body = orjson.dumps(_body(model, n, full))
        client, server = _both(model, body)
        assert client == server, body
        # and the times keep their offsets (+05:30, Z, -03:30)
        assert _times(client) == _times(server)


def _times(obj: Any) -> list[str]:
    if isinstance(obj, datetime):
        return [obj.isoformat()]
    if isinstance(obj, list):
        return [t for o in obj for t in _times(o)]
    if dataclasses.is_dataclass(obj):
        return [t for f in dataclasses.fields(obj) for t in _times(getattr(obj, f.name))]
    return []


def test_the_generated_bodies_cover_nested_models() -> None:
    """Guards the generator: a page of items carries nested refs and times."""
    body = _body(models.Page[models.ConversationItem], 0, True)
    assert body["items"][0]["site"]["name"] and body["items"][1]["started_at"] == TIMES[1]
    assert len(WIRE) >= 27  # every class of models.py
    assert _body(models.CallPage, 0, True)["items"][0]["caller"]["id"] == 7


def test_both_readers_refuse_what_does_not_match() -> None:
    bad = orjson.dumps({"id": "seven", "name": "x"})
    with pytest.raises(ValueError):
        _decoder(models.Ref).decode(bad)
    with pytest.raises(ValueError):
        TypeAdapter(models.Ref).validate_json(bad)


def test_both_readers_agree_on_the_servers_answers(world: World) -> None:
    sent = asyncio.run(visitor_says(world, "hello", "a parcel, «late»"))
    cid = sent["conversation_id"]
    c = world.sup()
    vid = c.get("/v1/visitors").json()["items"][0]["id"]
    c.put(f"/v1/visitors/{vid}/profile", json={"name": "Zoë", "email": "z@example.com"})
    answers: list[tuple[Any, str, dict[str, str]]] = [
        (models.Page[models.ConversationItem], "/v1/conversations", {}),
        (models.Page[models.ConversationItem], "/v1/conversations", {"q": "parcel"}),
        (models.ConversationDetail, f"/v1/conversations/{cid}", {}),
        (models.Page[models.VisitorItem], "/v1/visitors", {}),
        (models.VisitorDetail, f"/v1/visitors/{vid}", {}),
        (models.Page[models.Contact], "/v1/contacts", {}),
        (models.CallPage, "/v1/calls", {}),
        (models.Page[models.OfflineMessage], "/v1/offline-messages", {}),
        (models.ServerSettings, "/v1/settings", {}),
        (models.Health, "/v1/health", {}),
    ]
    for model, path, params in answers:
        r = c.get(path, params=params)
        assert r.status_code == 200, (path, r.text)
        client, server = _both(model, r.content)
        assert client == server, path
    detail = _decoder(models.ConversationDetail).decode(c.get(f"/v1/conversations/{cid}").content)
    assert [m.body for m in detail.messages] == ["hello", "a parcel, «late»"]
