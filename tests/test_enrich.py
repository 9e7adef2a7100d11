"""Enrichment: OS/browser from real user agents, city/country from a small
.mmdb the test builds, client IPs through trusted proxies — the last two
also end to end through the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from chatsup.server.enrich import GeoLookup, client_ip, parse_user_agent
from tests.harness import World

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def test_user_agents() -> None:
    ua = parse_user_agent(CHROME_WIN)
    assert ua.os == "Windows 10" and ua.browser == "Chrome 120"
    ua = parse_user_agent(SAFARI_IPHONE)
    assert ua.os.startswith("iOS 17") and ua.browser.startswith("Mobile Safari")
    ua = parse_user_agent(FIREFOX_LINUX)
    assert ua.os == "Linux" and ua.browser == "Firefox 121"
    assert parse_user_agent("curl/8.5.0").browser == "curl 8"
    assert parse_user_agent(None).os is None
    assert parse_user_agent("\x1b[2J garbage \x00" * 500).os is None


def build_mmdb(path: Path) -> Path:
    w = MMDBWriter(ip_version=6, database_type="GeoLite2-City", ipv4_compatible=True)
    w.insert_network(
        IPSet(["81.2.69.0/24"]),
        {
            "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
            "city": {"names": {"en": "London"}},
        },
    )
    w.insert_network(
        IPSet(["2.125.160.0/20"]), {"country": {"iso_code": "FR", "names": {"en": "France"}}}
    )
    w.to_db_file(str(path))
    return path


def test_geo_lookup(tmp_path: Path) -> None:
    geo = GeoLookup(build_mmdb(tmp_path / "city.mmdb"))
    loc = geo.lookup("81.2.69.160")
    assert loc is not None and (loc.country, loc.country_code, loc.city) == (
        "United Kingdom",
        "GB",
        "London",
    )
    assert geo.lookup("2.125.160.216").city is None
    assert geo.lookup("8.8.8.8") is None
    assert geo.lookup("10.0.0.1") is None and geo.lookup("nonsense") is None
    geo.close()
    assert GeoLookup(None).lookup("81.2.69.160") is None
    (tmp_path / "bad.mmdb").write_bytes(b"not a database")
    with pytest.raises(ValueError, match=r"bad\.mmdb"):
        GeoLookup(tmp_path / "bad.mmdb")


def test_client_ip_trusts_only_proxies() -> None:
    trusted = ["127.0.0.1", "10.0.0.0/8"]
    assert client_ip("127.0.0.1", "81.2.69.160", trusted) == "81.2.69.160"
    assert client_ip("127.0.0.1", "81.2.69.160, 10.1.2.3", trusted) == "81.2.69.160"
    assert client_ip("203.0.113.9", "81.2.69.160", trusted) == "203.0.113.9"
    assert client_ip("127.0.0.1", "not-an-ip", trusted) == "127.0.0.1"
    assert client_ip("127.0.0.1", None, trusted) == "127.0.0.1"


def test_location_and_os_reach_session_details(tmp_path: Path) -> None:
    mmdb = build_mmdb(tmp_path / "city.mmdb")
    w = World(tmp_path, geo={"mmdb_path": mmdb})
    try:
        with w.http() as c:
            s = c.post(
                "/v1/widget/sessions",
                json={"site_key": w.site_key, "user_agent": FIREFOX_LINUX},
                headers={"X-Forwarded-For": "81.2.69.160"},
            ).json()
        with w.sup() as c:
            d = c.get(f"/v1/visitors/{s['visitor_id']}").json()
            assert d["location"] == {
                "country": "United Kingdom",
                "country_code": "GB",
                "city": "London",
            }
            assert d["sessions"][0]["ip"] == "81.2.69.160"
            assert d["sessions"][0]["browser"] == "Firefox 121"
            assert c.get("/v1/visitors").json()["items"][0]["country"] == "United Kingdom"
    finally:
        w.server.stop()
