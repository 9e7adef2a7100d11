"""config.example.toml documents every setting, and only real ones."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel

from chatsup.config import Settings


def test_the_example_config_names_every_key() -> None:
    example = tomllib.loads((Path(__file__).parents[1] / "config.example.toml").read_text())
    for name, field in Settings.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            assert set(example[name]) == set(kind.model_fields), name
        else:
            assert name in example, name
    Settings(**example)  # and every value in it is valid
