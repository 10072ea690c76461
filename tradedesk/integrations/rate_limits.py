"""Request budgets by the generic cell rate algorithm (GCRA): in this process's memory, or in
Redis (`TRADEDESK_REDIS_URL`) so every server process shares the same counts.

A caller is who sends the request: the verified user or, for an anonymous request, its IP.
Writes have their own, smaller budget, and so do requests that reach the exchange (they spend
the platform's exchange weight). Every authenticated request also counts against its IP's
budget, so that no one escapes the limits by rotating tokens.

A budget of `limit` requests per `period` admits `limit` at once, then one every
`period / limit` seconds: it keeps one number per budget and caller, the theoretical arrival
time (TAT) of the next request, and a request is admitted while the TAT is at most `period`
ahead. It is exact (no estimate), a refused caller is told exactly when the next request fits
(at most one interval later once the burst is spent), and a caller idle for `period` has its
whole budget back. All of a request's budgets are looked at first and spent only if every one
has room, in one step: no await in memory, one Lua script (one round trip, on Redis's clock) in
Redis. It replaced the `limits` library's moving window, whose in-memory storage inserts at
the head of a list per hit and whose background expiry holds each key's lock across a thread
hop, so every request of one caller queued behind it; with Redis it cost two round trips per
budget. `limits` still parses the budgets' notation ("100/minute").
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from limits import parse

PRUNE_EVERY = 10_000  # spends between sweeps of idle callers out of memory
MICROS = 1_000_000


@dataclass(frozen=True)
class Budget:
    name: str  # keeps a caller's read and write budgets apart (here and in Redis's keys)
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, name: str, notation: str) -> Budget:
        item = parse(notation)
        return cls(name, item.amount, item.get_expiry())

    @functools.cached_property
    def interval(self) -> int:
        """Microseconds each request moves the caller's TAT. Whole microseconds, so that
        `limit` of them add up exactly (floats summed at an epoch's magnitude drift by more
        than a microsecond and refused the last request of a burst)."""
        return self.period * MICROS // self.limit

    @functools.cached_property
    def tolerance(self) -> int:
        """How far ahead of now the TAT may be for a request to fit: `limit` at once."""
        return self.period * MICROS - self.interval


class Budgets(Protocol):
    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        """Counts one request in every (budget, key) when each has room, and then answers
        None; else counts nothing and answers the seconds until every one has room."""
        ...


class MemoryBudgets:
    """One process's counts. Nothing awaits, so a look and a spend cannot interleave with
    another request's."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # the TATs in microseconds, by budget name (as Redis keys them) and caller
        self._arrivals: dict[tuple[str, str], int] = {}
        self._spent = 0

    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        now = round(self._clock() * MICROS)
        arrivals = []
        wait = 0
        for budget, key in spends:
            arrival = max(self._arrivals.get((budget.name, key), now), now)
            wait = max(wait, arrival - now - budget.tolerance)
            arrivals.append(arrival + budget.interval)
        if wait > 0:
            return wait / MICROS
        for (budget, key), arrival in zip(spends, arrivals, strict=True):
            self._arrivals[budget.name, key] = arrival
        self._spent += 1
        if self._spent % PRUNE_EVERY == 0:
            self._prune(now)
        return None

    def _prune(self, now: int) -> None:
        """Forget callers whose TAT has passed: their whole budget is back anyway."""
        self._arrivals = {held: tat for held, tat in self._arrivals.items() if tat > now}


# KEYS: one per budget and caller, holding its TAT in microseconds; ARGV: interval and
# tolerance of each, in KEYS' order. Whole microseconds stay exact in Lua's doubles (below
# 2^53). A key lives until its TAT passes, when it would mean nothing any more.
_SPEND = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local wait = 0
local arrivals = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local arrival = tonumber(redis.call('GET', key)) or now
  if arrival < now then arrival = now end
  if arrival - now - tolerance > wait then wait = arrival - now - tolerance end
  arrivals[i] = arrival + interval
end
if wait > 0 then return string.format('%.0f', wait) end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', arrivals[i]), 'PX',
    math.max(1, math.ceil((arrivals[i] - now) / 1000)))
end
return false
"""


class RedisBudgets:
    """Counts every server process shares; the clock is Redis's own, so servers whose clocks
    drift still agree."""

    def __init__(self, url: str) -> None:
        self._client = redis.from_url(url)
        self._script = self._client.register_script(_SPEND)

    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        keys = [f"tradedesk-limits:{budget.name}:{key}" for budget, key in spends]
        args = [number for budget, _ in spends for number in (budget.interval, budget.tolerance)]
        wait = await self._script(keys=keys, args=args)
        return None if wait is None else int(wait) / MICROS

    async def aclose(self) -> None:
        await self._client.aclose()


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
        self._read = Budget.parse("read", read)
        self._write = Budget.parse("write", write)
        self._exchange = Budget.parse("exchange", exchange)
        self._per_ip = Budget.parse("ip", per_ip)
        self._budgets: Budgets = MemoryBudgets() if redis_url is None else RedisBudgets(redis_url)

    async def refused(
        self, caller: str, *, ip: str | None = None, write: bool, exchange: bool = False
    ) -> int | None:
        """None when the request fits every budget it spends (and it is counted in each),
        else the whole seconds until it would. `ip` is given for authenticated callers, whose
        IP has a budget of its own."""
        spends = [(self._write if write else self._read, caller)]
        if exchange:
            spends.append((self._exchange, caller))
        if ip is not None:
            spends.append((self._per_ip, ip))
        wait = await self._budgets.spend(spends)
        return None if wait is None else max(1, math.ceil(wait))

    async def aclose(self) -> None:
        if isinstance(self._budgets, RedisBudgets):
            await self._budgets.aclose()
