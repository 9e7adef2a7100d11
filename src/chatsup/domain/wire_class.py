"""`wire`: the decorator of every wire model (`models.py`).

A wire model is `@dataclass(kw_only=True, slots=True)`: keyword-only fields
(a subclass may add required fields after optional ones), no `__dict__`.
`dataclasses` writes the source of `__init__`, `__repr__` and `__eq__` for
each class and compiles it as the class is made: ~0.3 ms a class, ~8 ms for
the 27 models, paid by the console before its first rows (issue 14, P7)
although neither reader calls them: msgspec (the client) and pydantic (the
server) build a model without its `__init__`.

So `wire` makes the class with `dataclasses` (fields, slots, `__match_args__`;
`init`, `repr` and `eq` off) and puts in those three methods' place a
stand-in that, the first time one of them is looked up, makes all three as
`dataclasses` would (for a twin dataclass of the same fields, without slots)
and sets them on the class. A model then behaves as the plain dataclass
would: `tests/domain/test_wire_class.py` compares them.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar, cast, dataclass_transform

C = TypeVar("C", bound=type)

_MADE_LATER = ("__init__", "__repr__", "__eq__")


@dataclasses.dataclass
class _Plain:
    """A dataclass with every default: its parameters are the models' own."""


class _Later:
    """One of `_MADE_LATER` on `cls`, made when first looked up."""

    def __init__(self, cls: type, name: str) -> None:
        self.cls = cls
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        made = _make(self.cls)[self.name]
        return made if obj is None else made.__get__(obj, owner)


def _make(cls: type) -> dict[str, Any]:
    """`cls`'s three methods, made (once) and set on it."""
    twin_fields = [
        (
            f.name,
            f.type,
            dataclasses.field(
                default=f.default,
                default_factory=f.default_factory,
                init=f.init,
                repr=f.repr,
                compare=f.compare,
                kw_only=True,
            ),
        )
        for f in dataclasses.fields(cls)
    ]
    namespace = {"__post_init__": cls.__post_init__} if hasattr(cls, "__post_init__") else {}
    twin = dataclasses.make_dataclass(cls.__name__, twin_fields, namespace=namespace, kw_only=True)
    made = {name: twin.__dict__[name] for name in _MADE_LATER}
    for name, method in made.items():
        made[name].__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    return made


@dataclass_transform(kw_only_default=True)
def wire(cls: C) -> C:
    """`@dataclass(kw_only=True, slots=True)`, with `__init__`, `__repr__`
    and `__eq__` made at first use."""
    if cls.__doc__ is None:  # else dataclasses writes one from the signature: ~0.1 ms
        cls.__doc__ = f"{cls.__name__}(*, {', '.join(inspect.get_annotations(cls))})"
    made: Any = dataclasses.dataclass(kw_only=True, slots=True, init=False, repr=False, eq=False)(
        cls
    )
    for name in _MADE_LATER:
        setattr(made, name, _Later(made, name))
    made.__hash__ = None  # as eq=True makes it: unhashable
    made.__dataclass_params__ = _Plain.__dataclass_params__  # type: ignore[attr-defined]
    return cast(C, made)
