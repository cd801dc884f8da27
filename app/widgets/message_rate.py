"""How many messages a WebSocket client may send: a token bucket per connection.

Each message costs a token; the bucket holds `burst` tokens and refills at `per_second`. A
client past it (500 pings in a burst, a subscribe loop) is closed with 4029: every message
costs the server a decode and usually a reply, and the bucket keeps that bounded per socket.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class MessageRate:
    def __init__(
        self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def allow(self) -> bool:
        """Take a token for one message; False when the client is over its rate."""
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self._last) * self.per_second)
        self._last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
