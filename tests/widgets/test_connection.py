"""One connection, driven through a socket stand-in whose writes the test releases one at a
time: a client that reads slowly gets the newest version, not a backlog; one that reads nothing
is closed with 4008 (and aborted if it cannot even take the close frame)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson

from app.auth.keys import Scope
from app.auth.principal import Principal
from app.dashboards.topics import parse_topic
from app.widgets.connection import Connection
from app.widgets.live import LiveTopic
from app.widgets.protocol import CloseCode, Ping, encode


class Socket:
    """Writes wait for `release()`; the close frame is written only if `closable`."""

    def __init__(self, closable: bool = True) -> None:
        self.written: list[Any] = []
        self.closed: tuple[int, str] | None = None
        self.aborted = False
        self.closable = closable
        self.gate = asyncio.Semaphore(0)

    async def send(self, text: str) -> None:
        await self.gate.acquire()
        self.written.append(orjson.loads(text))

    async def close(self, code: int, reason: str) -> None:
        if not self.closable:
            await asyncio.Event().wait()
        self.closed = (code, reason)

    def abort(self) -> None:
        self.aborted = True

    async def release(self, frames: int) -> None:
        for _ in range(frames):
            self.gate.release()
        await asyncio.sleep(0.01)


flushes: set[asyncio.Task[None]] = set()


def flush_soon(conn: Connection) -> None:
    """What the hub's flusher does for a scheduled connection."""
    task = asyncio.get_running_loop().create_task(conn.flush())
    flushes.add(task)
    task.add_done_callback(flushes.discard)


def connect(socket: Socket, reply_limit: int = 8) -> tuple[Connection, LiveTopic]:
    principal = Principal(tenant_id=1, tenant_name="t", scopes=frozenset({Scope.read}))
    conn = Connection(
        principal, "fw_x", socket.send, socket.close, socket.abort, reply_limit, flush_soon
    )
    live = LiveTopic(parse_topic(1, "metrics:tenant:live"), "e-1")
    live.update({"calls_waiting": 0}, 0)
    live.subscribers.add(conn)
    conn.track(live, 0)
    return conn, live


def change(live: LiveTopic, value: int) -> None:
    assert live.update({"calls_waiting": value}, value)
    for conn in live.subscribers:
        conn.notify(live)


def summary(message: Any) -> tuple[str, int]:
    return message["type"], message["seq"]


async def test_a_slow_reader_gets_the_newest_version_not_the_backlog() -> None:
    socket = Socket()
    conn, live = connect(socket)
    await asyncio.sleep(0.01)  # the first snapshot waits for the socket
    for n in range(1, 31):
        change(live, n)
    assert len(conn.changed) == 1
    await socket.release(2)
    assert [summary(m) for m in socket.written] == [("snapshot", 1), ("snapshot", 31)]

    change(live, 32)
    await asyncio.sleep(0.01)  # delta 32 waits for the socket
    change(live, 33)
    change(live, 34)
    await socket.release(2)
    assert summary(socket.written[2]) == ("delta", 32)
    assert [summary(m) for m in socket.written[3]] == [("delta", 33), ("delta", 34)]
    assert conn.closing is None
    conn.kill(CloseCode.normal, "done")
    await conn.stop()


async def test_a_client_that_reads_nothing_is_closed() -> None:
    socket = Socket()
    conn, _ = connect(socket)
    await asyncio.sleep(0.01)
    assert conn.sending_since is not None
    conn.check(time.monotonic() + 5, idle_timeout_s=60, send_timeout_s=10)
    assert conn.closing is None
    conn.check(time.monotonic() + 11, idle_timeout_s=60, send_timeout_s=10)
    assert conn.closing == (CloseCode.slow_consumer, "slow consumer: the socket is not read")
    await conn.stop()
    assert socket.closed == conn.closing
    assert not socket.aborted


async def test_replies_that_pile_up_close_the_connection() -> None:
    socket = Socket()
    conn, _ = connect(socket, reply_limit=4)
    for n in range(4):
        conn.reply(encode(Ping(id=n)))
    assert conn.closing is None
    conn.reply(encode(Ping(id=4)))
    assert conn.closing == (CloseCode.slow_consumer, "slow consumer: replies are not being read")
    await conn.stop()


async def test_a_silent_client_is_closed_as_idle() -> None:
    socket = Socket()
    conn, _ = connect(socket)
    await socket.release(1)
    conn.check(time.monotonic() + 61, idle_timeout_s=60, send_timeout_s=10)
    assert conn.closing == (CloseCode.idle_timeout, "idle timeout: no message from the client")
    await conn.stop()


async def test_a_socket_that_takes_frames_at_once_needs_no_task_of_its_own() -> None:
    socket = Socket()
    socket.gate = asyncio.Semaphore(100)
    conn, live = connect(socket)
    await asyncio.sleep(0.01)
    change(live, 1)
    await asyncio.sleep(0.01)
    assert [summary(m) for m in socket.written] == [("snapshot", 1), ("delta", 2)]
    assert conn._own_sender is None
    assert conn.sending_since is None


async def test_a_socket_that_takes_not_even_the_close_frame_is_aborted() -> None:
    socket = Socket(closable=False)
    conn, _ = connect(socket)
    conn.kill(CloseCode.slow_consumer, "slow consumer: the socket is not read")
    async with asyncio.timeout(5):
        await conn.stop()
    assert socket.aborted
    assert socket.closed is None
