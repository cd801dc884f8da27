"""Every authenticated request counted against its caller (a user or an API key)."""

from __future__ import annotations

from app.auth.principal import Principal
from app.core.config import Settings
from app.core.rate_limit import RateLimited, RateLimiter


async def enforce_rate_limit(
    limiter: RateLimiter | None, settings: Settings, principal: Principal
) -> None:
    """Count the request against its caller; raise RateLimited (429) past the limit."""
    if limiter is None:
        return
    if principal.user_id is not None:
        subject, limit = f"user:{principal.user_id}", settings.rate_limit_user
    else:
        subject, limit = f"key:{principal.key_id}", settings.rate_limit_api_key
    if limit <= 0:
        return
    retry_after_s = await limiter.hit(subject, limit)
    if retry_after_s is not None:
        raise RateLimited(principal.describe(), limit, limiter.window_s, retry_after_s)
