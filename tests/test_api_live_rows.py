"""One rule for live rows (client.filters.conversation_matches): a
conversation the live stream carries is shown under the banner's filters
iff the server's own list, asked with the same Filters, returns it — for
every combination of advisors, sites and statuses (several of each), and
for date ranges as dates and as datetimes. The items come from the event
log, as the console gets them; the lists from the real server."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from chatsup.client import Filters, SupervisorClient
from chatsup.client.filters import conversation_matches
from chatsup.domain.models import ConversationItem
from tests.harness import World
from tests.test_multi_filters import _traffic

STATUS_CHOICES = [
    (),
    ("open",),
    ("answered",),
    ("unanswered",),
    ("ended",),
    ("answered", "unanswered"),
    ("open", "ended"),
]


async def _live_items(c: SupervisorClient) -> dict[int, ConversationItem]:
    """Each conversation as the live stream last carried it."""
    items: dict[int, ConversationItem] = {}
    after = 0
    while True:
        page = await c.events(after, 100)
        for e in page.items:
            after = max(after, e.id)
            if e.conversation is not None:
                items[e.conversation.id] = e.conversation
        if not page.items:
            return items


async def _listed(c: SupervisorClient, f: Filters) -> set[int]:
    ids: set[int] = set()
    cursor = None
    while True:
        page = await c.conversations(f, cursor, 500)
        ids |= {i.id for i in page.items}
        cursor = page.next_cursor
        if not cursor:
            return ids


async def test_a_live_row_is_shown_iff_the_server_lists_it(world: World) -> None:
    _traffic(world)
    async with SupervisorClient(world.url, world.sup_token) as c:
        # a transfer: the holder is no longer the advisor presented
        waiting = [i for i in (await c.conversations(Filters(status="unanswered"))).items]
        assert waiting and all(i.agent is None and i.advisor is not None for i in waiting)
        moved, dropped = waiting[0], waiting[-1]
        other = world.agent2_id if moved.advisor.id == world.agent_id else world.agent_id  # type: ignore[union-attr]
        await c.assign(moved.id, other)
        # an advisor ends a chat nobody answered: ended, and still unanswered
        with world.http(world.agent_token) as ag:
            assert ag.post(f"/v1/agent/conversations/{dropped.id}/end").status_code == 200
        tz = ZoneInfo((await c.health()).timezone or "UTC")
        items = await _live_items(c)
        assert len(items) == len(await _listed(c, Filters())) >= 5
        assert items[moved.id].advisor is not None and items[moved.id].advisor.id == other  # type: ignore[union-attr]
        assert items[dropped.id].ended_at is not None and items[dropped.id].unanswered

        agents = [(), (world.agent_id,), (world.agent2_id,), (world.agent_id, world.agent2_id)]
        sites = [(), (world.site_id,), (world.site2_id,), (world.site_id, world.site2_id)]
        now = datetime.now(tz)
        dates: list[dict[str, object]] = [
            {},
            {"since": now.date(), "until": now.date()},
            {"until": now.date() - timedelta(days=1)},
            {"since": now - timedelta(hours=1)},
            {"since": now - timedelta(days=2), "until": now + timedelta(minutes=5)},
        ]
        checked = 0
        for a, s, st in itertools.product(agents, sites, STATUS_CHOICES):
            for d in dates if (a, s) in ((agents[3], sites[0]), (agents[1], sites[3])) else [{}]:
                f = Filters(agent_ids=a, site_ids=s, statuses=st, **d)  # type: ignore[arg-type]
                want = await _listed(c, f)
                shown = {i for i, item in items.items() if conversation_matches(item, f, tz)}
                assert shown == want, (f, shown, want)
                checked += 1 if want else 0
        assert checked > 50  # most combinations select something


def test_a_search_text_cannot_be_told_from_the_item() -> None:
    """With `q` the rule answers None (the list keeps the rows it shows and
    adds none) unless another filter already says no."""
    item = msgspec.convert(
        {
            "id": 1,
            "started_at": "2026-11-18T10:00:00+01:00",
            "site": {"id": 1, "name": "Shop"},
            "advisor": {"id": 2, "name": "Bob"},
            "visitor": {"id": 3, "number": 3},
            "message_count": 1,
            "status": "unanswered",
            "unanswered": True,
        },
        ConversationItem,
    )
    tz = ZoneInfo("Europe/Paris")
    assert conversation_matches(item, Filters(q="parcel"), tz) is None
    assert conversation_matches(item, Filters(q="parcel", agent_ids=(2, 5)), tz) is None
    assert conversation_matches(item, Filters(q="parcel", agent_id=1), tz) is False
    assert conversation_matches(item, Filters(agent_id=5, agent_ids=(2,)), tz) is True
    assert conversation_matches(item, Filters(status="nonsense"), tz) is False


def test_the_advisor_of_an_unanswered_chat_is_the_one_presented(world: World) -> None:
    """`advisor` on the list and in both exports: the holder, else the
    advisor presented (rules.conversation_advisor); `agent` stays the holder."""
    import csv
    import io

    with world.http(world.agent_token) as ag:
        assert ag.post("/v1/agent/presence", json={"status": "online"}).status_code == 204
    v, s = world.visitor()
    with v:
        assert s["presented_agent"]["id"] == world.agent_id
        cid = v.post("/v1/widget/messages", json={"body": "hello?"}).json()["conversation_id"]
    with world.sup() as c:
        (item,) = c.get("/v1/conversations").json()["items"]
        assert item["id"] == cid and item["agent"] is None
        assert item["advisor"] == {"id": world.agent_id, "name": "Alice"}
        for per in ("conversation", None):
            params = {"per": per} if per else {}
            text = c.get("/v1/export/conversations", params=params).content.decode("utf-8-sig")
            assert {r["advisor"] for r in csv.DictReader(io.StringIO(text))} == {"Alice"}
        r = c.post(f"/v1/conversations/{cid}/assign", json={"agent_id": world.agent2_id})
        assert r.status_code == 200
        (item,) = c.get("/v1/conversations").json()["items"]
        assert item["agent"]["id"] == item["advisor"]["id"] == world.agent2_id
