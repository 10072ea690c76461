"""Request budgets as sliding-window counters: in this process's memory, or in Redis
(`TRADEDESK_REDIS_URL`) so every server process shares the same counts.

A caller is who sends the request: the verified user or, for an anonymous request, its IP.
Writes have their own, smaller budget, and so do requests that reach the exchange (they spend
the platform's exchange weight). Every authenticated request also counts against its IP's
budget, so that no one escapes the limits by rotating tokens.

Why not the `limits` library's moving window, which this replaced: its in-memory storage
inserts at the head of a list per hit (O(n) in the budget) and a background task holds each
key's lock across a thread hop to expire entries, so every request of one caller queued behind
it; with Redis it cost two round trips per budget. A sliding-window counter keeps two numbers
per budget and window: the count of the current fixed window plus the previous one's, weighted
by how much of it still overlaps the last `period` seconds. Its error is bounded (it assumes the
previous window's requests were spread evenly) and it is what large API gateways use. All the
request's budgets are looked at first and spent only if every one has room, in one step: no
await in memory, one script (one round trip) in Redis. `limits` still parses the budgets'
notation ("100/minute").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from limits import parse

PRUNE_EVERY = 10_000  # spends between sweeps of idle callers' windows out of memory


@dataclass(frozen=True)
class Budget:
    name: str  # keeps a caller's read and write windows apart when their periods are equal
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, name: str, notation: str) -> Budget:
        item = parse(notation)
        return cls(name, item.amount, item.get_expiry())


def retry_after(budget: Budget, elapsed: float, previous: int, current: int) -> float:
    """Seconds until one more request fits, `elapsed` seconds into the current window."""
    room = budget.limit - 1 - current
    if room >= 0:  # the previous window's weight must fall until the request fits
        return budget.period * (1 - room / previous) - elapsed
    # the current window alone is full: wait for the next, and for this one's weight to fall
    next_window = budget.period - elapsed
    return next_window + budget.period * (1 - (budget.limit - 1) / current)


class Windows(Protocol):
    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        """Counts one request in every (budget, key) when each has room, and then answers
        None; else counts nothing and answers the seconds until the fullest has room."""
        ...


class _Window:
    __slots__ = ("current", "index", "previous")

    def __init__(self, index: int) -> None:
        self.index = index
        self.previous = 0
        self.current = 0

    def roll(self, index: int) -> None:
        if index != self.index:
            self.previous = self.current if index == self.index + 1 else 0
            self.current = 0
            self.index = index


class MemoryWindows:
    """One process's counts. Nothing awaits, so a look and a spend cannot interleave with
    another request's."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[Budget, str], _Window] = {}
        self._spent = 0

    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        now = self._clock()
        windows = []
        wait = 0.0
        for budget, key in spends:
            index, elapsed = divmod(now, budget.period)
            window = self._windows.get((budget, key))
            if window is None:
                window = self._windows[(budget, key)] = _Window(int(index))
            window.roll(int(index))
            weight = 1 - elapsed / budget.period
            if window.previous * weight + window.current + 1 > budget.limit:
                wait = max(wait, retry_after(budget, elapsed, window.previous, window.current))
            windows.append(window)
        if wait:
            return wait
        for window in windows:
            window.current += 1
        self._spent += 1
        if self._spent % PRUNE_EVERY == 0:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        """Forget windows no request touched for two periods: they count nothing any more."""
        self._windows = {
            (budget, key): window
            for (budget, key), window in self._windows.items()
            if window.index >= now // budget.period - 1
        }


# KEYS: one hash per budget and caller; ARGV: limit and period of each, in KEYS' order.
# Each hash holds the window index `w`, its count `c` and the previous window's `p`.
_SPEND = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local wait = 0
local rows = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local index = math.floor(now / period)
  local elapsed = now - index * period
  local saved = redis.call('HMGET', key, 'w', 'c', 'p')
  local w, c, p = tonumber(saved[1]), tonumber(saved[2]) or 0, tonumber(saved[3]) or 0
  if w ~= index then
    if w == index - 1 then p = c else p = 0 end
    c = 0
  end
  if p * (1 - elapsed / period) + c + 1 > limit then
    local room = limit - 1 - c
    local seconds
    if room >= 0 then
      seconds = period * (1 - room / p) - elapsed
    else
      seconds = period - elapsed + period * (1 - (limit - 1) / c)
    end
    if seconds > wait then wait = seconds end
  end
  rows[i] = {index, c, p, period}
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local row = rows[i]
  redis.call('HSET', key, 'w', row[1], 'c', row[2] + 1, 'p', row[3])
  redis.call('EXPIRE', key, 2 * row[4])
end
return false
"""


class RedisWindows:
    """Counts every server process shares; the window's clock is Redis's own, so servers whose
    clocks drift still agree."""

    def __init__(self, url: str) -> None:
        self._client = redis.from_url(url)
        self._script = self._client.register_script(_SPEND)

    async def spend(self, spends: list[tuple[Budget, str]]) -> float | None:
        keys = [f"tradedesk-limits:{budget.name}:{key}" for budget, key in spends]
        args = [number for budget, _ in spends for number in (budget.limit, budget.period)]
        wait = await self._script(keys=keys, args=args)
        return None if wait is None else float(wait)

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
        self._windows: Windows = MemoryWindows() if redis_url is None else RedisWindows(redis_url)

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
        wait = await self._windows.spend(spends)
        return None if wait is None else max(1, math.ceil(wait))

    async def aclose(self) -> None:
        if isinstance(self._windows, RedisWindows):
            await self._windows.aclose()
