"""The slow-client policy of one connection, driven through a socket stand-in whose writes the
test releases one at a time: a full queue becomes fresh snapshots; a queue that fills again
before those were written closes the connection with 4008; a socket that takes nothing is
aborted when even the close frame cannot be written."""

from __future__ import annotations

import asyncio

from app.auth.keys import Scope
from app.auth.principal import Principal
from app.widgets.hub import Connection, LiveTopic
from app.widgets.protocol import CloseCode
from app.widgets.topics import parse_topic


class Socket:
    """Writes wait for `release()`; the close frame is written only if `closable`."""

    def __init__(self, closable: bool = True) -> None:
        self.written: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.aborted = False
        self.closable = closable
        self.gate = asyncio.Semaphore(0)

    async def send(self, text: str) -> None:
        await self.gate.acquire()
        self.written.append(text)

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


def connection(socket: Socket, queue_size: int = 8) -> Connection:
    principal = Principal(tenant_id=1, tenant_name="t", scopes=frozenset({Scope.read}))
    conn = Connection(principal, "fw_x", socket.send, socket.close, socket.abort, queue_size)
    topic = LiveTopic(parse_topic(1, "metrics:tenant:live"), "e-1")
    topic.update({"calls_waiting": 0}, 1)
    topic.subscribers.add(conn)
    conn.topics[topic.topic.name] = topic
    conn.start()
    return conn


async def test_a_full_queue_is_replaced_by_snapshots_then_a_stuck_client_is_closed() -> None:
    socket = Socket()
    conn = connection(socket)
    topic = conn.topics["metrics:tenant:live"]
    for n in range(1, 9):
        delta = topic.update({"calls_waiting": n}, n + 1)
        assert delta is not None
        conn.offer(delta)
    assert len(conn.queue) == 8
    topic.update({"calls_waiting": 9}, 10)
    conn.offer("never queued: the snapshot below holds it")
    assert list(conn.queue) == [topic.snapshot()]
    assert conn.closing is None

    # the client takes the snapshot: it is caught up, and a later overflow resyncs again
    await socket.release(1)
    assert socket.written[-1] == topic.snapshot()
    for _ in range(9):
        conn.offer("another delta")
    assert list(conn.queue) == [topic.snapshot()]
    assert conn.closing is None

    # now it takes nothing: the next overflow closes it
    for _ in range(9):
        conn.offer("more")
    assert conn.closing == (CloseCode.slow_consumer, "slow consumer: could not keep up")
    assert not conn.queue
    await asyncio.sleep(0.01)
    assert socket.closed == conn.closing
    assert not socket.aborted
    await conn.stop()


async def test_a_socket_that_takes_not_even_the_close_frame_is_aborted() -> None:
    socket = Socket(closable=False)
    conn = connection(socket)
    conn.kill(CloseCode.slow_consumer, "slow consumer: the socket is not read")
    async with asyncio.timeout(5):
        await conn.stop()
    assert socket.aborted
    assert socket.closed is None
