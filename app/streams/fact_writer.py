"""Facts written in the background, so that aggregation (and with it the live view) never waits
for the database.

The memory engine's consume loop hands each round's facts to a `FactWriter` and goes on; the
writer's own task writes them in batches. While it writes, more facts queue up, so a burst is
written in a few big transactions rather than one per round. Writing takes CPU from the same
process (building the rows and the rollups is Python), so while events are streaming in
(`defer_while()` is true) the writer waits, up to DEFER_MAX_S after the oldest queued fact and
up to DEFER_MAX_FACTS queued: a replay's live view completes first, its facts follow.

The queue is bounded: when it is full and the database is working (only slower than the events
come in), `put` waits for room, so the live view slows to the database's pace rather than
losing facts; when it is full and the database is failing, the oldest facts are dropped
(logged, counted) so that the live view keeps going through a long outage. A failed write is
kept and retried with back-off; `close` writes everything still queued before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from app.core.logging import get_logger
from app.core.telemetry import FACTS_DROPPED, FACTS_WRITTEN
from app.streams.aggregator.facts import Fact

log = get_logger(__name__)

TenantFact = tuple[int, Fact]
FactSink = Callable[[Sequence[TenantFact]], Awaitable[object]]
"""Writes a batch of facts in one transaction, idempotently (a fact already stored is
skipped), so a batch that failed half-way can be written again."""

MAX_PENDING_FACTS = 1_000_000
FACTS_PER_WRITE = 5_000
"""Facts per transaction: a writer catching up holds many, and each write builds rows."""
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 10.0
DEFER_MAX_S = 5.0
DEFER_MAX_FACTS = 100_000
DEFER_POLL_S = 0.05
CLOSE_TIMEOUT_S = 20.0
"""How long `close` keeps trying to write what is queued (a graceful shutdown gets 30 s)."""


class FactWriter:
    def __init__(
        self,
        write: FactSink,
        *,
        max_pending: int = MAX_PENDING_FACTS,
        per_write: int = FACTS_PER_WRITE,
        defer_while: Callable[[], bool] = lambda: False,
    ) -> None:
        self._write = write
        self._defer_while = defer_while
        self._oldest_at = 0.0
        """When the oldest fact in the queue was queued (monotonic seconds)."""
        self.max_pending = max_pending
        self.per_write = per_write
        self._queue: deque[TenantFact] = deque()
        self._writing = 0
        """Facts taken from the queue by the write in progress."""
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._failing = False
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._draining = False
        self.written = 0
        self.dropped = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="fact-writer")

    @property
    def failing(self) -> bool:
        """The last write failed (and is being retried)."""
        return self._failing

    def pending(self) -> int:
        """Facts handed over and not yet written."""
        return len(self._queue) + self._writing

    async def put(self, facts: Sequence[TenantFact]) -> None:
        """Queue facts for writing. Returns at once unless the queue is full (see the module
        docstring)."""
        if not facts:
            return
        if not self._queue:
            self._oldest_at = time.monotonic()
        self._queue.extend(facts)
        self._idle.clear()
        self._wake.set()
        while len(self._queue) > self.max_pending:
            if self._failing:
                dropped = len(self._queue) - self.max_pending
                for _ in range(dropped):
                    self._queue.popleft()
                self.dropped += dropped
                FACTS_DROPPED.inc(dropped)
                log.error("facts dropped: the database is failing for too long", dropped=dropped)
                break
            self._room.clear()
            await self._room.wait()

    async def flush(self) -> None:
        """Wait until every fact queued so far is written."""
        await self._idle.wait()

    async def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Write what is queued (retrying failed writes for up to `timeout` seconds), then stop
        the task. Facts still unwritten after that are counted in the log."""
        if self._task is None:
            return
        self._closing = True
        try:
            async with asyncio.timeout(timeout):
                await self.flush()
        except TimeoutError:
            log.error("facts not written at shutdown: the database failed", lost=self.pending())
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def _deferring(self) -> bool:
        """Wait before writing? Once writing began, the queue is written out (new facts
        included) before the writer waits again, so facts never pile up behind a wait."""
        return (
            not self._closing
            and not self._draining
            and len(self._queue) < DEFER_MAX_FACTS
            and time.monotonic() - self._oldest_at < DEFER_MAX_S
            and self._defer_while()
        )

    async def _run(self) -> None:
        retry_s = RETRY_FIRST_S
        while True:
            if not self._queue:
                self._draining = False
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            if self._deferring():
                await asyncio.sleep(DEFER_POLL_S)
                continue
            self._draining = True
            take = min(self.per_write, len(self._queue))
            batch = [self._queue.popleft() for _ in range(take)]
            self._writing = take
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                self._queue.extendleft(reversed(batch))
                raise
            except Exception as exc:
                self._queue.extendleft(reversed(batch))
                self._failing = True
                self._room.set()  # a `put` waiting for room drops the oldest instead
                log.warning(
                    "writing facts failed; will retry",
                    error=str(exc),
                    pending=len(self._queue),
                    retry_in_s=retry_s,
                )
                await asyncio.sleep(retry_s)
                retry_s = min(retry_s * 2, RETRY_MAX_S)
                continue
            finally:
                self._writing = 0
            self._failing = False
            retry_s = RETRY_FIRST_S
            self.written += take
            FACTS_WRITTEN.inc(take)
            if len(self._queue) <= self.max_pending:
                self._room.set()
