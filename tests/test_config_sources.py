"""Where settings come from (chatsup.config): values given in code over the
environment over the TOML file over the defaults, sections merged key by
key; environment names without regard to case, lists, tables and whole
sections as JSON; names of no setting ignored; a bad value a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chatsup.config import Settings, environment, load_settings

TOML = """
timezone = "Europe/Paris"

[server]
port = 9000
rate_per_ip = 50

[console]
url = "http://file.example:1"
keys = { quit = "ctrl+q" }
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.upper().startswith("CHATSUP_"):
            monkeypatch.delenv(name)
    return monkeypatch


def write(tmp_path: Path, text: str = TOML) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_file_or_environment(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.timezone == "UTC" and s.server.port == 8765 and s.console.keys == {}
    clean_env.setenv("CHATSUP_CONFIG", "/nonexistent/config.toml")
    assert load_settings().server.port == 8765  # a missing default file is no error


def test_file_then_environment_then_code(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    path = write(tmp_path)
    s = load_settings(path)
    assert (s.timezone, s.server.port, s.server.rate_per_ip) == ("Europe/Paris", 9000, 50)
    assert s.server.host == "127.0.0.1"  # the rest of the section: defaults
    assert s.console.keys == {"quit": "ctrl+q"}

    clean_env.setenv("CHATSUP_SERVER__PORT", "9100")
    clean_env.setenv("chatsup_timezone", "Asia/Tokyo")  # any case
    s = load_settings(path)
    assert (s.timezone, s.server.port) == ("Asia/Tokyo", 9100)
    assert s.server.rate_per_ip == 50  # the file's other keys stay: merged, not replaced

    s = load_settings(path, server={"port": 9200}, timezone="UTC")
    assert (s.timezone, s.server.port, s.server.rate_per_ip) == ("UTC", 9200, 50)


def test_settings_built_in_code_read_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CHATSUP_SMTP__HOST", "mail.example.com")
    clean_env.setenv("CHATSUP_STORE__URL", "")  # empty: no PostgreSQL
    s = Settings(smtp={"port": 25})
    assert (s.smtp.host, s.smtp.port) == ("mail.example.com", 25)
    assert s.store.url is None and s.store.engine == "sqlite"


def test_lists_tables_and_sections_as_json(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CHATSUP_SERVER__TRUSTED_PROXIES", '["10.0.0.1", "10.0.0.0/8"]')
    clean_env.setenv("CHATSUP_CONSOLE__KEYS", '{"quit": "ctrl+x"}')
    clean_env.setenv("CHATSUP_SMTP", '{"host": "a.example", "port": 2525}')
    clean_env.setenv("CHATSUP_SMTP__PORT", "465")  # a key of its own wins over the section's
    clean_env.setenv("CHATSUP_CONSOLE__TOKEN", '["not", "json", "decoded"]')  # a string setting
    s = Settings()
    assert s.server.trusted_proxies == ["10.0.0.1", "10.0.0.0/8"]
    assert s.console.keys == {"quit": "ctrl+x"}
    assert (s.smtp.host, s.smtp.port) == ("a.example", 465)
    assert s.console.token == '["not", "json", "decoded"]'


def test_names_of_no_setting_are_ignored(clean_env: pytest.MonkeyPatch) -> None:
    env = {
        "CHATSUP_CONFIG": "/x.toml",
        "CHATSUP_REQUIRE_PG": "1",
        "CHATSUP_SERVER__NO_SUCH_KEY": "1",
        "OTHER_SERVER__PORT": "1",
        "CHATSUP_CONSOLE__KEYS__QUIT": "ctrl+w",  # a key of a table
    }
    assert environment(Settings, env) == {
        "server": {"no_such_key": "1"},
        "console": {"keys": {"quit": "ctrl+w"}},
    }
    for name, value in env.items():
        clean_env.setenv(name, value)
    s = Settings()
    assert s.server.port == 8765 and s.console.keys == {"quit": "ctrl+w"}


def test_bad_values_name_the_setting(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CHATSUP_SERVER__PORT", "70000")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "server.port" in str(info.value).replace("\n", ".")
    clean_env.delenv("CHATSUP_SERVER__PORT")
    clean_env.setenv("CHATSUP_SERVER__TRUSTED_PROXIES", "10.0.0.1")  # not JSON
    with pytest.raises(ValidationError, match="CHATSUP_SERVER__TRUSTED_PROXIES"):
        Settings()
    clean_env.delenv("CHATSUP_SERVER__TRUSTED_PROXIES")
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(ValidationError, match="unknown time zone"):
        load_settings(write(tmp_path, 'timezone = "Mars/Olympus"'))
