"""Enrichment of a visit: OS and browser from the user agent (ua-parser),
city and country from the client IP (maxminddb), the client IP itself
(X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chatsup.domain.models import Location


@dataclass(frozen=True)
class UserAgentInfo:
    os: str | None
    browser: str | None


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


@lru_cache(maxsize=4096)
def parse_user_agent(ua: str | None) -> UserAgentInfo:
    if not ua:
        return UserAgentInfo(None, None)
    from ua_parser import parse_os
    from ua_parser import parse_user_agent as _ua

    ua = ua[:1024]
    try:
        o = parse_os(ua)
        b = _ua(ua)
    except Exception:
        return UserAgentInfo(None, None)
    os_name = None
    if o is not None and o.family != "Other":
        os_name = _join(o.family, ".".join(x for x in (o.major, o.minor) if x) or None)
    browser = None
    if b is not None and b.family != "Other":
        browser = _join(b.family, b.major)
    return UserAgentInfo(os_name, browser)


class GeoLookup:
    def __init__(self, mmdb_path: Path | None) -> None:
        self._reader: Any = None
        if mmdb_path is not None:
            import maxminddb

            try:
                self._reader = maxminddb.open_database(str(mmdb_path))
            except (OSError, ValueError, maxminddb.InvalidDatabaseError) as e:
                raise ValueError(f"cannot read GeoIP database {mmdb_path}: {e}") from e

    def lookup(self, ip: str | None) -> Location | None:
        if self._reader is None or not ip:
            return None
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if addr.is_private or addr.is_loopback:
            return None
        try:
            rec = self._reader.get(str(addr))
        except (ValueError, TypeError):
            return None
        if not isinstance(rec, dict):
            return None
        country = rec.get("country") or {}
        city = rec.get("city") or {}
        loc = Location(
            country=(country.get("names") or {}).get("en"),
            country_code=country.get("iso_code"),
            city=(city.get("names") or {}).get("en"),
        )
        return loc if (loc.country or loc.city) else None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _trusted(ip: str, trusted: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for t in trusted:
        try:
            if addr in ipaddress.ip_network(t, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[str]) -> str | None:
    if peer is None or not forwarded_for or not _trusted(peer, trusted):
        return peer
    for part in reversed([p.strip() for p in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(part)
        except ValueError:
            return peer
        if not _trusted(part, trusted):
            return part
    return peer
