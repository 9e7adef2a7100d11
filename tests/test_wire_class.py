"""`domain.wire_class.wire` against the plain `@dataclass(kw_only=True,
slots=True)` it stands for: every wire model, and fresh classes whose first
use goes through each of the three methods made later."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import typing
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from chatsup.domain import models
from chatsup.domain.wire_class import wire

WIRE = [
    c
    for c in vars(models).values()
    if isinstance(c, type) and c.__module__ == models.__name__ and dataclasses.is_dataclass(c)
]


def plain_twin(cls: type) -> type:
    """What `@dataclass(kw_only=True, slots=True)` makes of `cls`'s fields."""
    return dataclasses.make_dataclass(
        cls.__name__,
        [
            (f.name, f.type, dataclasses.field(default=f.default, kw_only=True))
            for f in dataclasses.fields(cls)
        ],
        kw_only=True,
        slots=True,
    )


def sample(tp: Any, n: int) -> Any:
    """A value of the (evaluated) type `tp`; `n` varies it."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        return sample(next(a for a in args if a is not type(None)), n)
    if origin is typing.Literal:
        return args[n % len(args)]
    if origin is list:
        return [sample(args[0], n)] if args else []
    if origin is dict:
        return {}
    if tp is datetime:
        return datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))) + (
            timedelta(minutes=n)
        )
    if tp in (int, float):
        return tp(n)
    if tp is str:
        return f"s{n}"
    if tp is bool:
        return bool(n % 2)
    if isinstance(tp, typing.TypeVar) or tp is Any:
        return n
    if dataclasses.is_dataclass(tp):
        return build(tp, n)
    raise AssertionError(f"no sample for {tp!r}")


def build(cls: Any, n: int, into: Any = None) -> Any:
    hints = typing.get_type_hints(cls, vars(models))
    values = {f.name: sample(hints[f.name], n) for f in dataclasses.fields(cls)}
    return (into or cls)(**values)


@pytest.mark.parametrize("cls", WIRE, ids=lambda c: c.__name__)
def test_every_model_is_the_plain_dataclass(cls: Any) -> None:
    twin = plain_twin(cls)
    assert inspect.signature(cls) == inspect.signature(twin)
    slots = {s for k in cls.__mro__ for s in k.__dict__.get("__slots__", ())}
    assert slots == set(twin.__slots__)
    a, b, other = build(cls, 1), build(cls, 1), build(cls, 2)
    assert not hasattr(a, "__dict__")
    assert repr(a) == repr(build(cls, 1, into=twin))
    assert a == b and a is not b
    assert (a != other) == (build(twin, 1) != build(twin, 2))
    assert a != build(twin, 1)  # another class: never equal, as a dataclass
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
    assert dataclasses.replace(a) == a
    assert copy.deepcopy(a) == a
    assert pickle.loads(pickle.dumps(a)) == a
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    if required:  # one left out: the same error
        missing = {f.name: None for f in dataclasses.fields(cls) if f.name != required[0]}
        with pytest.raises(TypeError) as ours:
            cls(**missing)
        with pytest.raises(TypeError) as plain:
            twin(**missing)
        assert str(ours.value) == str(plain.value) and repr(required[0]) in str(ours.value)
    with pytest.raises(TypeError, match="positional"):
        cls(1)


def fresh() -> Any:
    @wire
    class Fresh:
        a: int
        b: str = "x"
        c: list[int] = dataclasses.field(default_factory=list)
        seen: int = 0

        def __post_init__(self) -> None:
            self.seen += 1

    return Fresh


def test_first_use_through_init() -> None:
    Fresh = fresh()
    x = Fresh(a=1)
    assert (x.a, x.b, x.c, x.seen) == (1, "x", [], 1)
    assert Fresh(a=1).c is not x.c  # a new list each time
    assert repr(x).endswith("Fresh(a=1, b='x', c=[], seen=1)")


def test_first_use_through_repr_and_eq_of_decoded() -> None:
    """msgspec makes a model without its `__init__`: `repr` or `==` may be
    the first method a class is asked for."""
    Fresh = fresh()
    x = msgspec.json.decode(b'{"a": 2}', type=Fresh)
    assert repr(x).endswith("Fresh(a=2, b='x', c=[], seen=1)")
    Other = fresh()
    y, z = (
        msgspec.json.decode(b'{"a": 2}', type=Other),
        msgspec.json.decode(b'{"a": 3}', type=Other),
    )
    assert y != z and y == msgspec.json.decode(b'{"a": 2}', type=Other)


def test_methods_read_on_the_class() -> None:
    Fresh = fresh()
    assert inspect.signature(Fresh.__init__).parameters["a"].kind is inspect.Parameter.KEYWORD_ONLY
    assert Fresh.__init__.__qualname__.endswith("Fresh.__init__")
    assert Fresh(a=1) == Fresh(a=1)


def test_a_subclass_of_a_generic_model() -> None:
    page = models.CallPage(
        items=[],
        summary=build(models.CallSummary, 1),
        next_cursor="c",
    )
    assert page == dataclasses.replace(page)
    assert repr(page).startswith("CallPage(items=[], next_cursor='c', summary=CallSummary(")
