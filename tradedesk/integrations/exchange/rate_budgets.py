"""Binance's rate limits kept by the platform as a whole, not by each ccxt client.

Binance counts request weight per IP and new orders per account. ccxt throttles each client
instance on its own, which is right for one client and wrong for thousands: a copy-trading
fan-out of many keys through one proxy would add their budgets up and earn a 418 ban. So every
client that leaves through the same IP for the same API family shares one `EgressBudget`, and
every task that places orders for one account shares that account's `OrderBudget`.

The egress budget spends Binance's real per-IP weight (2,400 a minute on USDT-M futures, 6,000
on spot), not ccxt's single-client pacing, which charges a futures order 4 although orders
weigh nothing on the IP limit (they count against the account's order limits instead), and
paces everything evenly at half the limit. A fan-out may therefore spend a fifth of the
minute at once and the rest as it refills: no fixed minute ever sees more than the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import ccxt

from tradedesk.domain.market.model import TradeType

# Binance USDT-M futures: 300 new orders per 10 seconds and 1,200 per minute per account.
ORDER_WINDOWS: tuple[tuple[float, int], ...] = ((10.0, 300), (60.0, 1200))
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# A pause longer than this fails the request at once (the user gets 1500 now, not in minutes).
MAX_WAIT_SECONDS = 10.0
# An IP's weight a minute in ccxt's cost units: ccxt counts a futures weight as it is and a
# spot weight as a fifth (Binance's 2,400 and 6,000).
IP_COST_PER_MINUTE = {TradeType.FUTURES: 2400.0, TradeType.SPOT: 1200.0}
BURST_SHARE = 0.2  # of a minute's weight that may go at once
# Where ccxt's cost is not Binance's IP weight: new futures orders weigh 0 on the IP (the
# account's order limits count them), and the v2/v3 account, balance and position reads 5.
IP_COST_CORRECTIONS: dict[tuple[str, str, str], float] = {
    ("fapiPrivate", "POST", "order"): 0,
    ("fapiPrivate", "POST", "algoOrder"): 0,
    **{
        (family, "GET", path): 5
        for family in ("fapiPrivateV2", "fapiPrivateV3")
        for path in ("account", "balance", "positionRisk")
    },
}


class EgressPaused(ccxt.NetworkError):
    """The exchange asked this IP to wait longer than a request should hang."""


class TokenBucket:
    """`per_second` tokens refill up to `capacity`; a request takes its cost once the bucket
    is not in debt (so a request dearer than the capacity still goes), first come first
    served."""

    def __init__(self, per_second: float, capacity: float, monotonic: Callable[[], float]) -> None:
        self._per_second = per_second
        self._capacity = capacity
        self._monotonic = monotonic
        self._tokens = capacity
        self._at = monotonic()
        self._lock = asyncio.Lock()

    async def take(self, cost: float) -> None:
        async with self._lock:
            debt = -self._refill()
            if debt > 0:  # wait until the bucket has refilled what it owes
                await asyncio.sleep(debt / self._per_second)
                self._refill()
            self._tokens -= cost

    def _refill(self) -> float:
        now = self._monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._at) * self._per_second)
        self._at = now
        return self._tokens


class EgressBudget:
    """The request-weight budget of one egress IP and API family, shared by its clients, plus
    a pause that honours `Retry-After` after a 429 or 418."""

    def __init__(
        self,
        per_minute: float,
        burst: float,
        *,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute, self.burst = per_minute, burst
        self._bucket = TokenBucket(per_minute / 60, burst, monotonic)
        self._max_wait = max_wait_seconds
        self._monotonic = monotonic
        self._resume_at = 0.0

    @classmethod
    def of_ip(cls, trade_type: TradeType, share: float = 1.0) -> EgressBudget:
        """`share` of Binance's budget of one IP (a process's part, when several leave
        through the same IPs): a fifth at once, the rest as the minute goes by."""
        minute = IP_COST_PER_MINUTE[trade_type] * share
        return cls(per_minute=minute * (1 - BURST_SHARE), burst=minute * BURST_SHARE)

    async def throttle(self, cost: float | None = None) -> None:
        """Installed as each client's `throttle`: the bucket, outside any pause. A request
        the bucket let go while a pause began queues again behind it, so that the end of a
        pause is not a burst."""
        while True:
            await self._pause_over()
            await self._bucket.take(1.0 if cost is None else cost)
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


def ip_cost(
    client: Any, api: Any, method: str, path: str, params: Any, config: Any = None
) -> float:
    """Installed as each client's `calculate_rate_limiter_cost`: ccxt's cost of the endpoint,
    corrected to Binance's IP weight where they differ."""
    family = api[0] if isinstance(api, list) else api
    corrected = IP_COST_CORRECTIONS.get((family, method, path))
    if corrected is not None:
        return corrected
    return type(client).calculate_rate_limiter_cost(client, api, method, path, params, config or {})


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
