"""Request budgets with the `limits` library: a moving window per caller, in memory for one
process, or in Redis (`TRADEDESK_REDIS_URL`) so every server process shares the same counts.

A caller is who sends the request: its bearer token (a digest of it, never the token) or, for
an anonymous request, its IP. Writes have their own, smaller budget.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


class RequestLimits:
    def __init__(self, read: str, write: str, redis_url: str | None = None) -> None:
        self._read = parse(read)
        self._write = parse(write)
        storage: Storage = MemoryStorage()
        if redis_url is not None:
            storage = RedisStorage(
                "async+" + redis_url, implementation="redispy", key_prefix="tradedesk-limits"
            )
        self._limiter = MovingWindowRateLimiter(storage)

    async def refused(self, caller: str, *, write: bool) -> int | None:
        """None when the request fits the caller's budget (and it is counted), else the
        seconds until it would."""
        item = self._write if write else self._read
        if await self._limiter.hit(item, caller):
            return None
        reset, _remaining = await self._limiter.get_window_stats(item, caller)
        return max(1, math.ceil(reset - time.time()))
