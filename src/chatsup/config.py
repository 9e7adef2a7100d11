"""Settings: a TOML file overridden by CHATSUP_* environment variables.

The file is `--config PATH`, else `config.toml` in the user config dir
(platformdirs). Nested keys use `__` in the environment:
`CHATSUP_SMTP__HOST=mail.example.com`. Every key is documented in
`config.example.toml` at the repository root.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "chatsup"


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    # Client IPs are taken from X-Forwarded-For only when the peer is one of these.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    max_body_chars: int = Field(10_000, ge=1)
    # Widget rate limits: requests per minute per visitor token and per IP.
    rate_per_visitor: int = Field(120, ge=1)
    rate_per_ip: int = Field(600, ge=1)
    sessions_per_ip: int = Field(60, ge=1)
    # The raw request body of any route, in bytes (over: 413 before parsing).
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # A file a visitor shares (`POST /v1/widget/media`), in bytes (over: 413);
    # the one route whose body may pass max_body_bytes.
    max_media_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    # All the files one visitor may keep in the store, in bytes (over: 413).
    max_media_bytes_per_visitor: int = Field(50 * 1024 * 1024, ge=1024)
    # Widest range a report or statistic covers, in days (wider: 422).
    report_max_days: int = Field(1095, ge=1)
    # Seconds a request's headers may take to arrive (then the connection closes).
    header_timeout_s: float = Field(10.0, gt=0)
    # Open connections from one client address (over: refused); trusted
    # proxies are exempt (they carry many clients).
    max_conns_per_ip: int = Field(256, ge=1)
    # A conversation with no message for this many seconds ends (end_reason
    # "idle"); 0 never ends one.
    idle_end_s: float = Field(1800, ge=0, le=30 * 86400)
    # A file a visitor uploaded but never sent in a message is deleted once
    # this many seconds old; 0 keeps every one.
    unsent_media_keep_s: float = Field(86400, ge=0, le=365 * 86400)


class StoreSettings(BaseModel):
    path: Path = Field(default_factory=lambda: user_data_dir() / "chatsup.db")
    # "full" makes an acknowledged write durable against power loss; "normal"
    # keeps it durable against a crash of the process only, and is faster.
    synchronous: str = "full"
    event_retention_days: int = Field(30, ge=1)
    # PostgreSQL instead of SQLite when set (`path` is then ignored):
    # postgresql://user@host:5432/dbname (needs the `chatsup[postgres]` extra).
    url: str | None = None
    # This process's name in the store (health, presence): "<hostname>:<pid>" when empty.
    instance: str = ""
    # PostgreSQL: a process silent this long is taken for dead (its agents'
    # sockets stop counting); each beats every third of it, at most 5 s.
    presence_lease_s: float = Field(30.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None or v.strip() == "":
            return None
        if not v.startswith(("postgresql://", "postgres://")):
            raise ValueError("url must start with postgresql://")
        return v

    @property
    def engine(self) -> str:
        """The store's database: "sqlite" or "postgresql"."""
        return "sqlite" if self.url is None else "postgresql"

    @property
    def instance_name(self) -> str:
        return self.instance or f"{socket.gethostname()}:{os.getpid()}"

    @field_validator("synchronous")
    @classmethod
    def _sync(cls, v: str) -> str:
        v = v.lower()
        if v not in {"full", "normal", "off"}:
            raise ValueError("synchronous must be full, normal or off")
        return v


class SmtpSettings(BaseModel):
    host: str | None = None
    port: int = 587
    user: str | None = None
    password: str | None = None
    # "starttls", "tls" (implicit, port 465) or "none".
    tls: str = "starttls"
    sender: str = "chatsup@localhost"
    supervisor_address: str | None = None
    outbox: Path = Field(default_factory=lambda: user_data_dir() / "outbox")


class GeoSettings(BaseModel):
    mmdb_path: Path | None = None


class ConsoleSettings(BaseModel):
    url: str = "http://127.0.0.1:8765"
    # None (or ""): the console's sign-in screen asks for one. Also from the
    # environment (CHATSUP_CONSOLE__TOKEN): how `chatsup web` hands it to
    # each browser session without putting it on a command line.
    token: str | None = None
    agent_token: str | None = None  # `chatsup agent` (the advisor's console)
    # [console.keys]: binding id → keys (comma-separated), e.g. quit = "ctrl+q"
    keys: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHATSUP_",
        env_nested_delimiter="__",
        extra="ignore",
    )
    toml_path: ClassVar[Path | None] = None

    timezone: str = "UTC"
    server: ServerSettings = ServerSettings()
    store: StoreSettings = StoreSettings()
    smtp: SmtpSettings = SmtpSettings()
    geo: GeoSettings = GeoSettings()
    console: ConsoleSettings = ConsoleSettings()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = cls.toml_path
        if path is not None and path.exists():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(config: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings: explicit overrides > environment > TOML file > defaults."""
    path = Path(config) if config else Path(os.environ.get("CHATSUP_CONFIG", user_config_file()))
    if config and not path.exists():
        raise FileNotFoundError(f"config file not found: {path}")

    class _Bound(Settings):
        toml_path: ClassVar[Path | None] = path

    return _Bound(**overrides)
