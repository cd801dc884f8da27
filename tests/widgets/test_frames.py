"""Frames and versions: what a client is sent to catch up, and how messages share frames."""

from __future__ import annotations

import orjson

from app.dashboards.topics import parse_topic
from app.widgets.client import LiveClient
from app.widgets.connection import FRAME_BUDGET, frames
from app.widgets.live import HISTORY, LiveTopic
from app.widgets.protocol import Delta, Ping, encode


def topic_at(versions: int) -> LiveTopic:
    live = LiveTopic(parse_topic(1, "metrics:tenant:live"), "e-1")
    for n in range(1, versions + 1):
        assert live.update({"calls_waiting": n}, n)
    assert not live.update({"calls_waiting": versions}, versions + 1)
    return live


def test_a_client_is_sent_the_deltas_it_lacks_or_else_the_snapshot() -> None:
    live = topic_at(40)
    assert live.catch_up(40) == []
    lacking = live.catch_up(37)
    assert [orjson.loads(m)["seq"] for m in lacking] == [38, 39, 40]
    assert all(orjson.loads(m)["type"] == "delta" for m in lacking)
    oldest_kept = 40 - HISTORY + 1
    assert len(live.catch_up(oldest_kept - 1)) == HISTORY
    for behind in (0, oldest_kept - 2, 41):
        (snapshot,) = live.catch_up(behind)
        assert orjson.loads(snapshot) == {
            "type": "snapshot",
            "v": 1,
            "topic": "metrics:tenant:live",
            "epoch": "e-1",
            "seq": 40,
            "at": 40,
            "data": {"calls_waiting": 40},
        }


def test_one_message_is_a_frame_alone_and_several_share_frames_in_order() -> None:
    ping = encode(Ping(id=1))
    assert frames([ping]) == [ping]
    deltas = [encode(Delta(topic="t", seq=n, at=n, set={"x": n})) for n in range(1, 4)]
    big = "x" * FRAME_BUDGET
    got = frames([*deltas, big, deltas[0]])
    assert len(got) == 3
    assert [m["seq"] for m in orjson.loads(got[0])] == [1, 2, 3]
    assert got[1] == big
    assert got[2] == deltas[0]


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
