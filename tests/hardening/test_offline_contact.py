"""An offline message's email and phone pass the same rules as a visitor
profile's (chatsup.domain.contact): a bad one is a 422 naming it, a good
email is stored normalised."""

from __future__ import annotations

from tests.harness import World


def test_offline_contact_details_are_validated_like_a_profile(world: World) -> None:
    with world.sup() as c:
        assert c.patch(f"/v1/sites/{world.site_id}", json={"offline_enabled": True}).is_success
    v, s = world.visitor()
    for field, value in (
        ("email", "not an email"),
        ("email", "a@b"),
        ("email", "x@example.com\nBcc: all@example.com"),
        ("phone", "call me maybe"),
        ("phone", "12"),
    ):
        r = v.post("/v1/widget/offline-messages", json={"body": "hello", field: value})
        assert r.status_code == 422, (field, value, r.text)
        assert r.json()["error"]["field"] == field
        # the profile form refuses the same value the same way
        with world.sup() as c:
            p = c.put(f"/v1/visitors/{s['visitor_id']}/profile", json={field: value})
        assert p.status_code == 422 and p.json()["error"]["field"] == field
    r = v.post(
        "/v1/widget/offline-messages",
        json={"body": "hello", "email": "Jane.Doe@Example.COM", "phone": "+33 6 12 34 56 78"},
    )
    assert r.status_code == 201, r.text
    with world.sup() as c:
        items = c.get("/v1/offline-messages").json()["items"]
    assert [(i["email"], i["phone"]) for i in items] == [
        ("Jane.Doe@example.com", "+33 6 12 34 56 78")
    ]
