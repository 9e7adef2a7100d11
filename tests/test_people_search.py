"""`q` finds people (API.md v1 additions): visitors and contacts by name,
email, phone and visitor number (`22395` or `#22395`); conversations also
by the visitor's name and number, besides the words of their messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatsup.domain.labels import visitor_number
from chatsup.server.store.search import digits_sql, phone_key
from tests.harness import World


@pytest.fixture
def people(tmp_path: Path) -> Iterator[tuple[World, dict[str, Any]]]:
    w = World(tmp_path)
    found: dict[str, Any] = {}
    for name, body in (("Marie Dupont", "Where is my parcel?"), (None, "Do you ship abroad?")):
        v, s = w.visitor()
        with v:
            cid = v.post("/v1/widget/messages", json={"body": body}).json()["conversation_id"]
        if name:
            with w.sup() as c:
                c.put(
                    f"/v1/visitors/{s['visitor_id']}/profile",
                    json={"name": name, "email": "marie@example.fr", "phone": "+33 6 12 34 56 78"},
                )
            found["marie"] = (s["visitor_id"], cid)
        else:
            found["other"] = (s["visitor_id"], cid)
    with w.sup() as c:
        for key, (vid, _) in list(found.items()):
            found[key + "_number"] = c.get(f"/v1/visitors/{vid}").json()["visitor"]["number"]
    try:
        yield w, found
    finally:
        w.server.stop()


def ids(world: World, path: str, q: str) -> list[int]:
    with world.sup() as c:
        res = c.get(path, params={"q": q})
        assert res.status_code == 200, res.text
        return [i["id"] for i in res.json()["items"]]


def test_visitors_and_contacts_by_name_email_phone_number(
    people: tuple[World, dict[str, Any]],
) -> None:
    w, p = people
    marie, number = p["marie"][0], p["marie_number"]
    for q in (
        "Dupont",
        "marie@example.fr",
        "06 12 34 56 78",
        "+33612345678",
        str(number),
        f"V{number}",  # the console's notation
        f"v{number}",
        f"#{number}",  # the older one, still read
    ):
        assert ids(w, "/v1/visitors", q) == [marie], q
        assert ids(w, "/v1/contacts", q) == [marie], q
    other, other_number = p["other"][0], p["other_number"]
    assert ids(w, "/v1/visitors", f"V{other_number}") == [other]  # no profile needed
    assert ids(w, "/v1/contacts", f"V{other_number}") == []  # not a contact
    assert ids(w, "/v1/visitors", "Durand") == []


def test_conversations_by_the_visitors_name_and_number(
    people: tuple[World, dict[str, Any]],
) -> None:
    w, p = people
    marie_chat, other_chat = p["marie"][1], p["other"][1]
    assert ids(w, "/v1/conversations", "Dupont") == [marie_chat]
    assert ids(w, "/v1/conversations", f"V{p['other_number']}") == [other_chat]
    assert ids(w, "/v1/conversations", str(p["marie_number"])) == [marie_chat]
    assert ids(w, "/v1/conversations", "abroad") == [other_chat]  # message words, as before
    with w.sup() as c:
        item = c.get("/v1/conversations", params={"q": "Dupont"}).json()["items"][0]
        assert "«" in item["snippet"] and "Dupont" in item["snippet"]


@pytest.mark.parametrize(
    "phone", ["+33 6 12 34 56 78", "06.12.34.56.78", "(0)6-12-34-56-78", "612345"]
)
def test_digits_sql_agrees_with_phone_key(phone: str) -> None:
    conn = sqlite3.connect(":memory:")
    got = conn.execute(f"SELECT {digits_sql('?')}", (phone,)).fetchone()[0]
    assert got == "".join(c for c in phone if c.isdigit())
    key = phone_key(phone)
    assert key is not None and got.endswith(key)


def test_number_and_phone_keys() -> None:
    assert visitor_number("#22395") == visitor_number(" 22395 ") == 22395
    assert visitor_number("V22395") == visitor_number("v 22395") == 22395
    assert visitor_number("V") is None and visitor_number("VV1") is None
    assert visitor_number("22395 Dupont") is None
    assert phone_key("Dupont") is None and phone_key("12345") is None
    assert phone_key("06 12 34 56 78") == phone_key("+33 6 12 34 56 78") == "612345678"
