"""Binance's rate limits kept by the whole fleet, not by each ccxt client or each process.

Binance counts request weight per IP and new orders per account. ccxt throttles each client
instance on its own, which is right for one client and wrong for thousands: a copy-trading
fan-out of many keys through one proxy, run by several workers, would add their budgets up and
earn a 418 ban. So every request through one egress IP spends that IP's `EgressBudget`, and
every order of an account spends that account's `OrderBudget`; both are moving windows kept by
the `limits` library in Redis when `TRADEDESK_REDIS_URL` is set (every server and worker then
counts against the same windows), and by `LocalWindows` in this process's memory otherwise.

A moving window of Binance's limit is never looser than Binance's fixed minute, so a fan-out
may spend the whole minute at once and no fixed minute ever sees more than the limit. The last
`RESERVE_SHARE` of every window is kept for protective work (`ExchangePurpose.PROTECTION`):
when the budget is tight, a stop or a close goes ahead of new entries and routine reads.

The egress budget spends Binance's real per-IP weight (2,400 a minute on USDT-M futures, 6,000
on spot), not ccxt's single-client pacing, which charges a futures order 4 although orders
weigh nothing on the IP limit (they count against the account's order limits instead).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import ccxt
import redis.asyncio as redis
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats

from tradedesk.domain.market.exchange_purpose import current_purpose
from tradedesk.domain.market.model import TradeType
from tradedesk.integrations.exchange.local_windows import LocalWindows
from tradedesk.integrations.prometheus_metrics import count_exchange_weight

log = logging.getLogger("tradedesk.exchange")
T = TypeVar("T")

# Binance USDT-M futures: 300 new orders per 10 seconds and 1,200 per minute per account.
ORDER_WINDOWS: tuple[RateLimitItem, ...] = (
    RateLimitItemPerSecond(300, 10),
    RateLimitItemPerMinute(1200),
)
IP_WEIGHT_PER_MINUTE = {TradeType.FUTURES: 2400, TradeType.SPOT: 6000}
# ccxt counts a futures weight as it is and a spot weight as a fifth
CCXT_COST_TO_WEIGHT = {TradeType.FUTURES: 1.0, TradeType.SPOT: 5.0}
RESERVE_SHARE = 0.2  # of each window, spent only by protective work
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# A pause longer than this fails the request at once (the user gets 1500 now, not in minutes).
MAX_WAIT_SECONDS = 10.0
KEY_PREFIX = "tradedesk-exchange"  # of the budgets' keys in Redis
REDIS_TIMEOUT_SECONDS = 0.5  # past this, a process counts in its own memory
REDIS_CONNECTIONS = 32  # per process
REDIS_QUEUE_SECONDS = 5.0  # the longest a call waits for one of them
SHORTEST_WAIT_SECONDS = 0.01  # between two looks at a full window
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


class Counters(Protocol):
    """What a pause needs of a store: a key that lives until its expiry."""

    async def get_expiry(self, key: str) -> float: ...

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...

    async def clear(self, key: str) -> None: ...


class Windows(Protocol):
    """What a budget needs of a moving-window limiter."""

    async def get_window_stats(self, item: RateLimitItem, key: str, /) -> WindowStats: ...

    async def hit(self, item: RateLimitItem, key: str, /, *, cost: int = 1) -> bool: ...


class BudgetStore:
    """Where the windows and pauses live: Redis, shared by the fleet, or this process's
    memory. While Redis does not answer (within REDIS_TIMEOUT_SECONDS), the process counts in
    its memory instead: a budget must never be the reason a stop is not placed."""

    def __init__(self, redis_url: str | None) -> None:
        self._local = LocalWindows()
        self._shared = (
            RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
                # a fan-out's thousand calls at once queue for a connection, not fail for one
                # (limits takes a pool, though its options are typed as plain values)
                connection_pool=redis.BlockingConnectionPool.from_url(  # type: ignore[arg-type]
                    redis_url,
                    max_connections=REDIS_CONNECTIONS,
                    timeout=REDIS_QUEUE_SECONDS,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                ),
            )
            if redis_url
            else None
        )
        self._shared_windows = (
            MovingWindowRateLimiter(self._shared) if self._shared is not None else None
        )
        self._warned_at = -math.inf

    async def use(self, act: Callable[[Counters, Windows], Awaitable[T]]) -> T:
        if self._shared is not None and self._shared_windows is not None:
            try:
                return await act(self._shared, self._shared_windows)
            except StorageError as error:
                if time.monotonic() - self._warned_at > 60:
                    self._warned_at = time.monotonic()
                    log.warning("exchange budgets: Redis failed (%s); counting locally", error)
        return await act(self._local, self._local)


class SharedWindows:
    """Moving windows that every process sharing the store spends together; the last
    `reserve_share` of each only for protective work. The reserve is kept at a look before
    the spend, so requests racing for it may eat into it; the limit itself holds exactly."""

    def __init__(
        self, store: BudgetStore, items: Sequence[RateLimitItem], reserve_share: float
    ) -> None:
        self._store = store
        # one waiter per window and class at a time in this process, first come first
        # served: a thousand waiters would otherwise all ask Redis whenever a window moves
        self._turns: defaultdict[tuple[str, bool], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._windows = [(item, math.ceil(item.amount * reserve_share)) for item in items]

    async def spend(self, key: str, cost: int, *, protective: bool) -> None:
        """Returns once `cost` fits every window (a request dearer than a window spends all
        of it), waiting for the windows to move as long as it takes."""
        async with self._turns[(key, protective)]:  # protective work never queues behind
            # a deadline another process may move, not an event this one could wait on
            while (wait := await self._store.use(self._refusal(key, cost, protective))) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)

    def _refusal(
        self, key: str, cost: int, protective: bool
    ) -> Callable[[Counters, Windows], Awaitable[float]]:
        """0 once spent, else the seconds until the fullest window frees its oldest entry.
        Windows are looked at before any is spent (a window that refuses after another has
        spent keeps that spend: it only errs on the safe side)."""

        async def spent(_counters: Counters, windows: Windows) -> float:
            for item, reserve in self._windows:
                reset, remaining = await windows.get_window_stats(item, key)
                floor = 0 if protective else reserve
                if remaining - min(cost, item.amount) < floor:
                    return max(reset - time.time(), SHORTEST_WAIT_SECONDS)
            for item, _reserve in self._windows:
                if not await windows.hit(item, key, cost=min(cost, item.amount)):
                    return SHORTEST_WAIT_SECONDS  # another process was quicker
            return 0.0

        return spent


class EgressBudget:
    """The request weight of one egress IP and API family, shared by every client (of every
    process) leaving through it, and a pause that honours `Retry-After` after a 429 or 418."""

    def __init__(
        self,
        windows: SharedWindows,
        store: BudgetStore,
        *,
        egress: str,
        trade_type: TradeType,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self.egress = egress
        self._windows = windows
        self._store = store
        self._key = f"egress/{egress}/{trade_type.value}"
        self._pause_key = f"egress-pause/{egress}/{trade_type.value}"
        self._to_weight = CCXT_COST_TO_WEIGHT[trade_type]
        self._max_wait = max_wait_seconds

    async def throttle(self, cost: float | None = None) -> None:
        """Installed as each client's `throttle`: waits out a pause, then for the request's
        weight in the IP's windows, and counts it against the current purpose. A request the
        windows let go while a pause began waits that pause out too: the pause's end is not
        met by a queue of requests sent into the exchange's refusal."""
        weight = math.ceil((1.0 if cost is None else cost) * self._to_weight - 1e-9)
        purpose = current_purpose()
        await self._pause_over()
        if weight > 0:
            await self._windows.spend(self._key, weight, protective=purpose.protective)
            await self._pause_over()
        count_exchange_weight(self.egress, purpose.value, weight)

    async def _pause_over(self) -> None:
        async def expiry(counters: Counters, _windows: Windows) -> float:
            return await counters.get_expiry(self._pause_key)

        wait = await self._store.use(expiry) - time.time()
        if wait > self._max_wait:
            raise EgressPaused(f"requests through {self.egress} are paused for {wait:.0f} s")
        if wait > 0:
            await asyncio.sleep(wait)

    async def pause(self, retry_after: str | None) -> float:
        """Holds every request through this egress, in every process, for the seconds the
        exchange asked (a longer pause already running stands)."""
        try:
            seconds = float(retry_after) if retry_after else DEFAULT_RETRY_AFTER_SECONDS
        except ValueError:
            seconds = DEFAULT_RETRY_AFTER_SECONDS
        seconds = max(1.0, seconds)

        async def hold(counters: Counters, _windows: Windows) -> None:
            if await counters.get_expiry(self._pause_key) < time.time() + seconds:
                await counters.clear(self._pause_key)
                # a second more: Redis tells a key's life in whole seconds, rounded
                await counters.incr(self._pause_key, math.ceil(seconds) + 1)

        await self._store.use(hold)
        return seconds


class OrderBudget:
    """New orders per account, in every process, in moving windows no looser than Binance's
    fixed ones."""

    def __init__(self, windows: SharedWindows) -> None:
        self._windows = windows

    async def acquire(self, api_key: str) -> None:
        """Returns once one more order of this account fits every window; protective orders
        may take the reserve that entries leave."""
        account = hashlib.sha256(api_key.encode()).hexdigest()[:24]  # no key in the store
        await self._windows.spend(f"orders/{account}", 1, protective=current_purpose().protective)


class ExchangeBudgets:
    """The budgets of a process: in Redis, shared with every process given the same URL, or
    in this process's memory."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        ip_share: float = 1.0,
        ip_weight_per_minute: Mapping[TradeType, int] | None = None,
        ip_limits: Mapping[TradeType, Sequence[RateLimitItem]] | None = None,
        order_windows: Sequence[RateLimitItem] = ORDER_WINDOWS,
        reserve_share: float = RESERVE_SHARE,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        """`ip_share`: the part of each IP's weight this process may spend, for processes
        behind the same IPs that share no Redis (1 with Redis: the windows are shared).
        `ip_weight_per_minute`: an IP's weight where it is not Binance's own."""
        self._store = BudgetStore(redis_url)
        weights = {**IP_WEIGHT_PER_MINUTE, **(ip_weight_per_minute or {})}
        self._ip_limits = ip_limits or {
            # at least 1: a window of 0 would admit everything (its costs are capped at it)
            trade_type: [RateLimitItemPerMinute(max(1, math.floor(weight * ip_share)))]
            for trade_type, weight in weights.items()
        }
        self._reserve_share = reserve_share
        self._max_wait = max_wait_seconds
        self.orders = OrderBudget(SharedWindows(self._store, order_windows, reserve_share))

    def egress(self, proxy: str | None, trade_type: TradeType) -> EgressBudget:
        windows = SharedWindows(self._store, self._ip_limits[trade_type], self._reserve_share)
        return EgressBudget(
            windows,
            self._store,
            egress=egress_name(proxy),
            trade_type=trade_type,
            max_wait_seconds=self._max_wait,
        )


def egress_name(proxy: str | None) -> str:
    """How an egress is named in the budgets and in `/metrics`: the proxy's host and port
    (never its credentials), or `direct`."""
    if proxy is None:
        return "direct"
    parts = urlsplit(proxy)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


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
