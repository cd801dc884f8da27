"""Frames: queued messages batched into one JSON array, and decoded back by the client."""

from __future__ import annotations

from collections import deque

import orjson

from app.widgets.client import LiveClient
from app.widgets.hub import FRAME_BUDGET, take_frame
from app.widgets.protocol import Delta, Ping, Snapshot, encode


def test_one_queued_message_is_sent_alone() -> None:
    text = encode(Ping(id=1))
    queue = deque([text])
    assert take_frame(queue) == (text, 1)
    assert not queue


def test_queued_messages_become_one_array_in_order_within_the_budget() -> None:
    deltas = [encode(Delta(topic="t", seq=n, at=n, set={"x": n})) for n in range(1, 4)]
    big = encode(Snapshot(topic="b", epoch="e", seq=1, at=0, data={"k": "x" * FRAME_BUDGET}))
    queue = deque([*deltas, big, deltas[0]])
    frame, count = take_frame(queue)
    assert count == 3
    assert [m["seq"] for m in orjson.loads(frame)] == [1, 2, 3]
    assert take_frame(queue) == (big, 1)
    assert take_frame(queue) == (deltas[0], 1)


def test_the_client_skips_message_types_it_does_not_know() -> None:
    frame = orjson.dumps(
        [
            {"v": 1, "type": "delta", "topic": "t", "seq": 2, "at": 5, "set": {"x": 1}},
            {"v": 1, "type": "fireworks", "colour": "red"},
            {"v": 1, "type": "ping", "id": 3, "new_field": True},
        ]
    )
    decoded = LiveClient._decode_each(frame)
    assert decoded == [Delta(topic="t", seq=2, at=5, set={"x": 1}), Ping(id=3)]
