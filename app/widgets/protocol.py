"""The messages of the WebSocket API, version 1 (docs/websocket.md is the reference).

Every message is a JSON object with `"v": 1` and a `"type"`. A text frame from the server holds
one message, or an array of messages in order (what was queued for the client at once); a
client sends one message per frame. Receivers ignore fields they do not know, so fields can be
added within version 1; anything incompatible gets a new version (and path).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import msgspec

PROTOCOL_VERSION = 1


class CloseCode(IntEnum):
    """Close codes the server uses. Clients reconnect (with back-off) after all but
    `protocol_error`, `unauthenticated` and `forbidden`, which need a fix first."""

    normal = 1000
    going_away = 1001
    message_too_big = 1009
    internal_error = 1011
    service_restart = 1012
    try_again_later = 1013
    protocol_error = 4000
    unauthenticated = 4001
    forbidden = 4003
    slow_consumer = 4008
    idle_timeout = 4009
    rate_limited = 4029


RECONNECTABLE = frozenset(
    {
        CloseCode.going_away,
        CloseCode.internal_error,
        CloseCode.service_restart,
        1006,  # abnormal closure: no close frame (network, process killed)
        CloseCode.try_again_later,
        CloseCode.slow_consumer,
        CloseCode.idle_timeout,
        CloseCode.rate_limited,
    }
)


class Message(msgspec.Struct, tag_field="type", kw_only=True):
    v: int = PROTOCOL_VERSION


# -- both directions --------------------------------------------------------------------------


class Ping(Message, tag="ping"):
    """Answered with a `pong` carrying the same `id`. The server sends one every
    `ping_interval_s`; clients may send their own to check the server."""

    id: str | int | None = None


class Pong(Message, tag="pong"):
    id: str | int | None = None


# -- client to server -------------------------------------------------------------------------


class Auth(Message, tag="auth"):
    """The first message of a connection opened without an `Authorization` header (browsers)."""

    token: str


class Position(msgspec.Struct):
    """Where a client's copy of a topic stands: the epoch of the snapshot it started from and
    the last sequence number it applied."""

    epoch: str
    seq: int


class Subscribe(Message, tag="subscribe"):
    """Subscribe to topics. A topic listed in `resume` whose epoch and sequence number are still
    current is answered with `resumed`; every other topic with a fresh `snapshot`."""

    topics: list[str]
    resume: dict[str, Position] = {}


class Unsubscribe(Message, tag="unsubscribe"):
    topics: list[str]


ClientMessage = Auth | Subscribe | Unsubscribe | Ping | Pong


# -- server to client -------------------------------------------------------------------------


class Welcome(Message, tag="welcome"):
    """Sent once the connection is authenticated."""

    tenant: str
    ping_interval_s: float
    stale_after_s: float
    """A client that has received nothing for this long should count itself stale."""
    idle_timeout_s: float
    max_message_bytes: int
    max_subscriptions: int
    update_interval_ms: int


class Snapshot(Message, tag="snapshot"):
    """The whole current value of a topic. `epoch` names this incarnation of the topic on this
    server process; `seq` numbers its versions (the next delta has `seq + 1`). `at` is the time
    (epoch ms) the values hold for; 0 while the tenant has no data."""

    topic: str
    epoch: str
    seq: int
    at: int
    data: dict[str, Any]


class Delta(Message, tag="delta"):
    """The change from version `seq - 1` to `seq`: keys in `set` take the given value (null is
    a value), keys in `unset` are gone."""

    topic: str
    seq: int
    at: int
    set: dict[str, Any]
    unset: list[str] = []


class Resumed(Message, tag="resumed"):
    """The client's copy is current: deltas continue from `seq + 1`."""

    topic: str
    epoch: str
    seq: int


class Unsubscribed(Message, tag="unsubscribed"):
    topics: list[str]


class Error(Message, tag="error"):
    """A request could not be served; the connection stays open. `topic` names the topic the
    error concerns, where there is one."""

    code: str
    message: str
    topic: str | None = None


ServerMessage = Welcome | Snapshot | Delta | Resumed | Unsubscribed | Error | Ping | Pong

_encoder = msgspec.json.Encoder()
client_decoder = msgspec.json.Decoder(ClientMessage)
server_decoder = msgspec.json.Decoder(ServerMessage | list[ServerMessage])


def encode(message: Message) -> str:
    """One message as the text of a frame (encoded once, sent to every subscriber)."""
    return _encoder.encode(message).decode()


def encode_client(message: Message) -> bytes:
    return _encoder.encode(message)
