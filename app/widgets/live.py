"""One topic's value in this process: its versions, and the encoded deltas and snapshot that
every subscriber shares (each encoded once). A topic whose content depends on who reads it
(the call-back list: numbers whole or masked) has one `LiveTopic` per view."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from itertools import islice
from typing import TYPE_CHECKING, Any

from app.dashboards.topics import Topic
from app.widgets.protocol import Delta, Snapshot, encode

if TYPE_CHECKING:
    from app.widgets.connection import Connection

State = dict[str, Any]

HISTORY = 16
"""Recent deltas kept per topic: a client at most this many versions behind gets the deltas
it lacks; one further behind gets the snapshot."""


def diff(old: State, new: State) -> tuple[State, list[str]]:
    """(keys whose value is new or changed with their new value, keys that are gone)."""
    missing = object()
    changed = {key: value for key, value in new.items() if old.get(key, missing) != value}
    gone = [key for key in old if key not in new]
    return changed, gone


class LiveTopic:
    """Versions are numbered from 1 (the first value) by `seq`; `epoch` names this
    incarnation of the topic, so numbers from another process or an earlier incarnation are
    never mistaken for these."""

    def __init__(self, topic: Topic, epoch: str, view: Hashable = None) -> None:
        """`view`: what the subscribers may see of the topic (None: the topic is the same for
        everyone); the hub keys topics by name and view."""
        self.topic = topic
        self.epoch = epoch
        self.view = view
        self.seq = 0
        self.at_ms = 0
        self.state: State | None = None
        self.subscribers: set[Connection] = set()
        self.idle_since: float | None = None
        self.history: deque[tuple[int, str]] = deque(maxlen=HISTORY)
        self._snapshot: str | None = None

    @property
    def key(self) -> tuple[str, Hashable]:
        return self.topic.name, self.view

    def snapshot(self) -> str:
        if self._snapshot is None:
            assert self.state is not None
            self._snapshot = encode(
                Snapshot(
                    topic=self.topic.name,
                    epoch=self.epoch,
                    seq=self.seq,
                    at=self.at_ms,
                    data=self.state,
                )
            )
        return self._snapshot

    def update(self, state: State, at_ms: int) -> bool:
        """Take the new value; True if it is a new version (the first value is version 1)."""
        if self.state is None:
            self.state, self.at_ms, self.seq = state, at_ms, 1
            self._snapshot = None
            return True
        changed, gone = diff(self.state, state)
        if not changed and not gone:
            return False
        self.seq += 1
        self.state, self.at_ms = state, at_ms
        self._snapshot = None
        delta = Delta(topic=self.topic.name, seq=self.seq, at=at_ms, set=changed, unset=gone)
        self.history.append((self.seq, encode(delta)))
        return True

    def catch_up(self, have: int) -> list[str]:
        """The messages that take a client from version `have` (0: nothing) to the current
        one: none, the deltas it lacks, or the snapshot."""
        if have == self.seq or self.state is None:
            return []
        history = self.history
        if have == self.seq - 1 and history:
            return [history[-1][1]]
        if 0 < have < self.seq and history and history[0][0] <= have + 1:
            return [text for _, text in islice(history, have + 1 - history[0][0], None)]
        return [self.snapshot()]
