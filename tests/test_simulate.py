"""The simulator: a deterministic plan, and a short run against a real server
whose every count is checked against what the supervisor API reports."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from itertools import islice
from typing import Any

from chatsup.client import Filters, SupervisorClient
from chatsup.domain.models import CALL_STATES, END_REASONS
from chatsup.simulate import Shift, Tuning, simulate, visits
from tests.harness import World


def test_same_seed_same_plan() -> None:
    a = list(islice(visits(7, 5.0, 2), 400))
    assert a == list(islice(visits(7, 5.0, 2), 400))
    assert a != list(islice(visits(8, 5.0, 2), 400))
    # the rate spaces the same visits differently, nothing else
    b = list(islice(visits(7, 50.0, 2), 400))
    assert [dataclasses.replace(v, at=0.0) for v in a] == [
        dataclasses.replace(v, at=0.0) for v in b
    ]
    assert b[-1].at < a[-1].at
    times = [t * 3.7 for t in range(3000)]
    s1, s2, s3 = Shift(7, 0), Shift(7, 0), Shift(7, 1)
    one = [s1.state_at(t) for t in times]
    assert one == [s2.state_at(t) for t in times]
    assert one != [s3.state_at(t) for t in times]
    assert {state for state, _ in one} == {"online", "away", "offline"}


def test_plan_covers_every_category() -> None:
    plans = list(islice(visits(3, 1.0, 2), 5000))
    assert {v.intent for v in plans} == {"browse", "chat", "offline"}
    assert {v.site for v in plans} == {0, 1}
    chats = [v.chat for v in plans if v.chat is not None]
    calls = [c.call for c in chats if c.call is not None]
    assert {c.final_state for c in calls} == set(CALL_STATES)
    reasons = {m.end_reason for c in calls for m in c.moves if m.end_reason}
    assert reasons == set(END_REASONS)
    assert any(not c.answer for c in chats) and any(c.sms for c in chats)
    assert any(c.callback_in_h for c in chats) and any(v.returning for v in plans)
    assert len({v.user_agent for v in plans}) > 10
    assert {v.webrtc for v in plans} == {True, False}


async def _all(fetch: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = await fetch(cursor=cursor, limit=500)
        items += page.items
        cursor = page.next_cursor
        if not cursor:
            return items


async def test_simulation_counts_match_the_api(world: World) -> None:
    tuning = Tuning(p_answer=0.7, p_call=0.9, p_sms=0.5, p_callback=0.5)
    # at ×100 the team logs out from 1.2 to 1.45 s and from 2.4 to 2.65 s
    report = await simulate(
        world.url,
        site_keys=[world.site_key, world.site2_key],
        agent_tokens=[world.agent_token, world.agent2_token],
        visitors=30,
        agents=2,
        rate=15,
        duration=3.0,
        seed=13,
        speed=100,
        tuning=tuning,
        closed_every=120,
        closed_for=25,
    )
    assert not report.errors, report.errors
    assert 2.9 < report.elapsed_s < 9
    r = report
    assert r.sessions >= 20 and r.returning_visitors > 0 and r.page_views > r.sessions
    assert r.answered > 0 and r.unanswered > 0 and r.ended > 0
    assert r.offline_messages > 0 and r.sms > 0 and r.callbacks > 0
    assert len(r.call_states) >= 2, r.call_states
    assert r.agent_connects >= 2 and r.visitor_sockets > 0 and r.ws_frames > 0

    async with SupervisorClient(world.url, world.sup_token) as api:
        convs = await _all(api.conversations)
        assert {c.id for c in convs} == r.conversation_ids
        senders: Counter[str] = Counter()
        answered = 0
        for c in convs:
            detail = await api.conversation(c.id)
            these = Counter(m.sender for m in detail.messages)
            senders += these
            answered += these["agent"] > 0
        assert senders["visitor"] == r.visitor_messages
        assert senders["agent"] == r.agent_messages
        assert answered == r.answered
        assert sum(c.ended_at is not None for c in convs) == r.ended
        unanswered = await _all(lambda **kw: api.conversations(Filters(status="unanswered"), **kw))
        assert len(unanswered) == r.unanswered

        assert len(await _all(api.offline_messages)) == r.offline_messages
        assert len(await _all(api.visitors)) == r.new_visitors

        calls = await api.calls(limit=500)
        assert calls.summary.total == r.calls
        assert Counter(c.state for c in calls.items) == r.call_states
        assert Counter(c.end_reason for c in calls.items if c.end_reason) == r.end_reasons

        daily = (await api.daily())["totals"]
        assert daily["page_views"] == r.page_views
        assert daily["chats"] == r.conversations
        assert daily["calls"] == r.calls
        assert daily["sms"] == r.sms
        assert (await api.monthly())["totals"]["callbacks"] == r.callbacks

        types: Counter[str] = Counter()
        after = 0
        while page := (await api.events(after=after, limit=500)).items:
            types.update(e.type for e in page)
            after = page[-1].id
        assert types["session.started"] == r.sessions
        assert types["pageview.created"] == r.page_views
        assert types["offline_message.created"] == r.offline_messages
        assert types["sms.created"] == r.sms
        assert types["callback.created"] == r.callbacks

        # every socket closed: the advisors go offline (the server notices the close)
        for _ in range(40):
            if {a.presence for a in await api.agents()} == {"offline"}:
                break
            await asyncio.sleep(0.05)
        assert {a.presence for a in await api.agents()} == {"offline"}
