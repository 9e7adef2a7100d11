"""A subscriber parked on an empty queue takes an event in the publishing
callback (`Subscriber.direct`): the hub hands it over instead of queueing
it, queues it when the sink declines, and never passes events already
queued (order)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from chatsup.server.hub import Hub, Published
from chatsup.server.store import PendingEvent


def _events(*ids: int) -> list[PendingEvent]:
    return [PendingEvent(i, "visitor.updated", 0.0, {"n": i}) for i in ids]


def test_direct_takes_events_in_order_and_declined_ones_queue() -> None:
    hub = Hub(ZoneInfo("UTC"))
    sub = hub.subscribe()
    took: list[int] = []
    declining = False

    def direct(pub: Published) -> bool:
        if declining:
            return False
        took.append(pub.id)
        return True

    sub.direct = direct
    hub.publish(_events(1, 2))
    assert took == [1, 2] and sub.queue.empty()
    declining = True
    hub.publish(_events(3))
    assert sub.queue.qsize() == 1
    declining = False
    hub.publish(_events(4))  # behind the queued one: queued too, in order
    assert took == [1, 2]
    assert [sub.queue.get_nowait().id for _ in range(2)] == [3, 4]
    hub.publish(_events(5))
    assert took == [1, 2, 5]


def test_without_direct_events_queue() -> None:
    hub = Hub(ZoneInfo("UTC"))
    sub = hub.subscribe()
    hub.publish(_events(1, 2))
    assert sub.queue.qsize() == 2
