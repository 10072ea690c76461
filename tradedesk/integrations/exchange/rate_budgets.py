"""Binance's rate limits kept by the platform as a whole, not by each ccxt client.

Binance counts request weight per IP and new orders per account. ccxt throttles each client
instance on its own, which is right for one client and wrong for thousands: a copy-trading
fan-out of many keys through one proxy would add their budgets up and earn a 418 ban. So every
client that leaves through the same IP for the same API family shares one `EgressBudget` (ccxt's
own calibrated throttler, plus a pause that honours `Retry-After` after a 429 or 418), and every
task that places orders for one account shares that account's `OrderBudget`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import ccxt
from ccxt.async_support.base.throttler import Throttler

# Binance USDT-M futures: 300 new orders per 10 seconds and 1,200 per minute per account.
ORDER_WINDOWS: tuple[tuple[float, int], ...] = ((10.0, 300), (60.0, 1200))
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# A pause longer than this fails the request at once (the user gets 1500 now, not in minutes).
MAX_WAIT_SECONDS = 10.0


class EgressPaused(ccxt.NetworkError):
    """The exchange asked this IP to wait longer than a request should hang."""


class EgressBudget:
    """The request-weight budget of one egress IP and API family, shared by its clients."""

    def __init__(
        self,
        token_bucket: dict[str, Any],
        *,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._throttler = Throttler(dict(token_bucket))
        self._max_wait = max_wait_seconds
        self._monotonic = monotonic
        self._resume_at = 0.0

    async def throttle(self, cost: float | None = None) -> None:
        """Installed as each client's `throttle`: ccxt's bucket, outside any pause. A request
        the bucket let go while a pause began queues again behind it, so that the end of a
        pause is not a burst."""
        while True:
            await self._pause_over()
            await self._throttler(cost)
            if self._monotonic() >= self._resume_at:
                return

    async def _pause_over(self) -> None:
        wait = self._resume_at - self._monotonic()
        if wait > self._max_wait:
            raise EgressPaused(f"requests through this IP are paused for {wait:.0f} s")
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, retry_after: str | None) -> float:
        """Holds every request through this egress for the seconds the exchange asked."""
        try:
            seconds = float(retry_after) if retry_after else DEFAULT_RETRY_AFTER_SECONDS
        except ValueError:
            seconds = DEFAULT_RETRY_AFTER_SECONDS
        self._resume_at = max(self._resume_at, self._monotonic() + seconds)
        return seconds


class OrderBudget:
    """New orders per account in rolling windows no looser than Binance's fixed ones."""

    def __init__(
        self,
        windows: tuple[tuple[float, int], ...] = ORDER_WINDOWS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._windows = windows
        self._longest = max(span for span, _ in windows)
        self._monotonic = monotonic
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, account: str) -> None:
        """Returns once one more order of this account fits every window (first come, first
        served)."""
        sent = self._sent.setdefault(account, deque())
        async with self._locks.setdefault(account, asyncio.Lock()):
            while (wait := self._wait(sent)) > 0:  # noqa: ASYNC110 (a deadline, not an event)
                await asyncio.sleep(wait)
            sent.append(self._monotonic())

    def forget(self, account: str) -> None:
        self._sent.pop(account, None)
        self._locks.pop(account, None)

    def _wait(self, sent: deque[float]) -> float:
        now = self._monotonic()
        while sent and sent[0] <= now - self._longest:
            sent.popleft()
        wait = 0.0
        for span, limit in self._windows:
            inside = [at for at in sent if at > now - span]
            if len(inside) >= limit:
                wait = max(wait, inside[-limit] + span - now)
        return wait
