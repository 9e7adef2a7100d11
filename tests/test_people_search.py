"""`q` finds people (API.md v1 additions): visitors and contacts by name,
email, phone and visitor number (`22395` or `#22395`); conversations also
by the visitor's name and number, besides the words of their messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from chatsup.domain.labels import chat_id, visitor_number
from chatsup.server.store.search import digits_sql, phone_key
from tests.harness import World


@pytest.fixture
def people(world: World) -> Iterator[tuple[World, dict[str, Any]]]:
    """Marie (a contact) and another visitor, each with a chat: on SQLite
    and on PostgreSQL (conftest's BOTH_ENGINES)."""
    w = world
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
    yield w, found


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


def test_a_chat_label_names_that_chat_on_conversations(
    people: tuple[World, dict[str, Any]],
) -> None:
    """`#123` on conversations is chat 123 (domain/labels.py), not the chats
    of visitor 123 nor those whose messages hold "123"; `V123` stays the
    visitor's, and on the visitor lists `#123` stays a visitor number."""
    w, p = people
    marie_chat, other_chat = p["marie"][1], p["other"][1]
    v, _ = w.visitor()  # a third chat: its words name Marie's chat's number, bare
    with v:
        body = f"About {marie_chat} and {other_chat} again"
        third = v.post("/v1/widget/messages", json={"body": body}).json()["conversation_id"]
    for chat in (marie_chat, other_chat, third):
        assert ids(w, "/v1/conversations", f"#{chat}") == [chat]
        assert ids(w, "/v1/conversations", f" # {chat} ") == [chat]
    assert ids(w, "/v1/conversations", f"#{third + 100}") == []
    assert ids(w, "/v1/conversations", f"V{p['marie_number']}") == [marie_chat]
    assert third in ids(w, "/v1/conversations", str(marie_chat))  # a bare number: words
    with w.sup() as c:  # with other filters: the chat when they hold it
        one = c.get("/v1/conversations", params={"q": f"#{marie_chat}", "status": "open"})
        assert [i["id"] for i in one.json()["items"]] == [marie_chat]
        none = c.get(
            "/v1/conversations", params={"q": f"#{marie_chat}", "visitor_id": p["other"][0]}
        )
        assert none.json()["items"] == []
    assert ids(w, "/v1/visitors", f"#{p['marie_number']}") == [p["marie"][0]]


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
    assert chat_id("#123") == chat_id(" # 123 ") == 123
    assert chat_id("123") is None and chat_id("V123") is None and chat_id("#123 x") is None
    assert visitor_number("#22395") == visitor_number(" 22395 ") == 22395
    assert visitor_number("V22395") == visitor_number("v 22395") == 22395
    assert visitor_number("V") is None and visitor_number("VV1") is None
    assert visitor_number("22395 Dupont") is None
    assert phone_key("Dupont") is None and phone_key("12345") is None
    assert phone_key("06 12 34 56 78") == phone_key("+33 6 12 34 56 78") == "612345678"


def test_people_search_words_accents_prefixes_and_notes(world: World) -> None:
    """The same answers on both engines (FTS5 unicode61 remove_diacritics 2
    on SQLite; the `chatsup_search` configuration, unaccent, on PostgreSQL):
    accents folded, case ignored, `*` a prefix, notes searched, a phone
    found through its digits however it is spelled."""
    people = {
        "helene": ("Hélène Müller-Özdemir", "h.muller@exemple.com", "06.98.76.54.32", "VIP"),
        "jose": ("José Núñez", "jose.nunez@example.es", "+34 612 345 678", "rappeler lundi"),
    }
    made: dict[str, int] = {}
    for key, (name, email, phone, notes) in people.items():
        v, s = world.visitor()
        with v:
            assert v.post("/v1/widget/messages", json={"body": "bonjour"}).status_code == 201
        with world.sup() as c:
            r = c.put(
                f"/v1/visitors/{s['visitor_id']}/profile",
                json={"name": name, "email": email, "phone": phone, "notes": notes},
            )
            assert r.status_code == 200, r.text
        made[key] = s["visitor_id"]
    helene, jose = made["helene"], made["jose"]
    expect = {
        "helene": [helene],
        "HÉLÈNE": [helene],
        "muller": [helene],
        "Özdemir": [helene],
        "ozdemir": [helene],
        "Hél*": [helene],
        "Mül* Özd*": [helene],
        "exemple.com": [helene],
        "h.muller@exemple.com": [helene],
        "vip": [helene],
        "0698765432": [helene],
        "+33 6 98 76 54 32": [helene],
        "nunez": [jose],
        "Núñez José": [jose],
        "612 345 678": [jose],
        "rappeler": [jose],
        "lun*": [jose],
        "example": [jose],
        "x*": [],
        "hélène josé": [],
        "NOT": [],
        '"muller': [helene],
    }
    for q, want in expect.items():
        for path in ("/v1/visitors", "/v1/contacts"):
            assert sorted(ids(world, path, q)) == sorted(want), (world.engine, path, q)


@pytest.mark.parametrize(
    "phone", ["+33 6 12 34 56 78", "06.12.34.56.78", "(0)6-12-34-56-78", "612345"]
)
def test_digits_sql_agrees_with_phone_key_on_postgresql(pg_cluster: Any, phone: str) -> None:
    import psycopg

    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as conn:
        row = conn.execute(f"SELECT {digits_sql('%s')}", (phone,)).fetchone()
    assert row is not None
    got = row[0]
    assert got == "".join(c for c in phone if c.isdigit())
    key = phone_key(phone)
    assert key is not None and got.endswith(key)
