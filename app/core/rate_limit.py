"""Request rate limits per API key and per user, over fixed windows.

Every authenticated request counts against its caller: an API key by its id, a user by its id
whatever credential it used (session cookie or personal tokens share one budget). A caller over
its limit gets 429 with `Retry-After` (the seconds until its window ends). Limits and the window
come from the settings; 0 turns a limit off.

On the memory engine the counts live in this process. On the redis engine they live in Redis
(one `INCR` + expiry per request), so every API process shares them. If Redis cannot be reached
the request is let through: the limit protects the service, and an outage is reported elsewhere
(`/readyz`, ingestion's 503).
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from app.core.config import Settings
from app.core.errors import FloorwatchError
from app.core.logging import get_logger
from app.core.redis_client import RedisClient

log = get_logger(__name__)

MEMORY_MAX_SUBJECTS = 100_000

# KEYS[1]: the window's counter. ARGV[1]: its time to live in ms. Returns {count, ttl ms}.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""


class RateLimited(FloorwatchError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, who: str, limit: int, window_s: float, retry_after_s: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(
            f"{who} made more than {limit} requests in {window_s:g} s; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after_s = seconds


class RateLimiter(ABC):
    def __init__(self, window_s: float) -> None:
        self.window_s = window_s

    def window(self, now: float) -> tuple[int, float]:
        """(number of the window `now` falls in, seconds until it ends)."""
        number = int(now // self.window_s)
        return number, (number + 1) * self.window_s - now

    @abstractmethod
    async def hit(self, subject: str, limit: int) -> float | None:
        """Count a request of `subject`; None if it is within `limit`, else the seconds until
        the window ends."""


class MemoryRateLimiter(RateLimiter):
    def __init__(self, window_s: float) -> None:
        super().__init__(window_s)
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, subject: str, limit: int) -> float | None:
        number, left_s = self.window(time.time())
        window, count = self._counts.get(subject, (number, 0))
        if window != number:
            count = 0
        if len(self._counts) >= MEMORY_MAX_SUBJECTS and subject not in self._counts:
            self._counts = {s: c for s, c in self._counts.items() if c[0] == number}
        self._counts[subject] = (number, count + 1)
        return None if count + 1 <= limit else left_s


class RedisRateLimiter(RateLimiter):
    def __init__(
        self, redis: RedisClient, key_of: Callable[[str, int], str], window_s: float
    ) -> None:
        """`key_of(subject, window_number)` names the Redis key that counts a window."""
        super().__init__(window_s)
        self.key_of = key_of
        self._hit = redis.register_script(HIT_SCRIPT)

    async def hit(self, subject: str, limit: int) -> float | None:
        number, left_s = self.window(time.time())
        ttl_ms = math.ceil(left_s * 1000) + 1000
        key = self.key_of(subject, number)
        try:
            reply: Any = await self._hit(keys=[key], args=[ttl_ms])
        except (RedisError, OSError) as exc:
            log.warning("rate limit not checked: Redis unavailable", error=str(exc))
            return None
        count = int(reply[0])
        return None if count <= limit else left_s


def build_rate_limiter(
    settings: Settings, redis: RedisClient | None, key_of: Callable[[str, int], str]
) -> RateLimiter:
    if redis is not None:
        return RedisRateLimiter(redis, key_of, settings.rate_limit_window_s)
    return MemoryRateLimiter(settings.rate_limit_window_s)
