"""Request budgets with the `limits` library: a moving window per caller, in memory for one
process, or in Redis (`TRADEDESK_REDIS_URL`) so every server process shares the same counts.

A caller is who sends the request: its bearer token (a digest of it, never the token) or, for
an anonymous request, its IP. Writes have their own, smaller budget, and so do requests that
reach the exchange (they spend the platform's exchange weight). Every request also counts
against its IP's budget, so that no one escapes the limits by rotating tokens.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


class RequestLimits:
    def __init__(
        self,
        read: str,
        write: str,
        *,
        exchange: str,
        per_ip: str,
        redis_url: str | None = None,
    ) -> None:
        self._read = parse(read)
        self._write = parse(write)
        self._exchange = parse(exchange)
        self._per_ip = parse(per_ip)
        storage: Storage = MemoryStorage()
        if redis_url is not None:
            storage = RedisStorage(
                "async+" + redis_url, implementation="redispy", key_prefix="tradedesk-limits"
            )
        self._limiter = MovingWindowRateLimiter(storage)

    async def refused(
        self, caller: str, *, ip: str | None = None, write: bool, exchange: bool = False
    ) -> int | None:
        """None when the request fits every budget it spends (and it is counted in each),
        else the seconds until it would. `ip` is given for authenticated callers, whose IP
        has a budget of its own."""
        spends = [(self._write if write else self._read, caller)]
        if exchange:
            spends.append((self._exchange, caller))
        if ip is not None:
            spends.append((self._per_ip, ip))
        for item, key in spends:  # look first, so a refused request spends nothing
            if not await self._limiter.test(item, key):
                return await self._wait(item, key)
        for item, key in spends:
            if not await self._limiter.hit(item, key):
                return await self._wait(item, key)
        return None

    async def _wait(self, item: RateLimitItem, key: str) -> int:
        reset, _remaining = await self._limiter.get_window_stats(item, key)
        return max(1, math.ceil(reset - time.time()))
