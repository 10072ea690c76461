"""The exchange budgets' moving windows and pauses in this process's memory.

Every exchange request spends its IP's weight, so this is on the path of each order and
each read. The `limits` library's in-memory storage cost 0.37 ms of CPU a request (a
position read through ccxt from the simulator: 0.76 ms with it, 0.39 ms with no budget at
all, 0.44 ms with these windows): each
hit inserts its entries at the head of the key's list (a copy of the whole window), and each
spend schedules a task that expires old entries through a thread hop. Here a window is a
deque of (time, weight), oldest first, with its running total: a spend appends, a look drops
what left the window from the front, and nothing awaits. The semantics are the moving
window's of `limits` (the Redis side still uses it): what was spent in the last `expiry`
seconds counts, and the window frees its oldest entry `expiry` seconds after it was spent.
"""

from __future__ import annotations

import time
from collections import deque

from limits import RateLimitItem
from limits.util import WindowStats

PRUNE_EVERY = 10_000  # spends between sweeps of windows and pauses that hold nothing


class _Window:
    __slots__ = ("entries", "seconds", "total")

    def __init__(self, seconds: float) -> None:
        self.entries: deque[tuple[float, int]] = deque()  # (when, weight), oldest first
        self.seconds = seconds
        self.total = 0

    def expire(self, now: float) -> None:
        entries = self.entries
        while entries and entries[0][0] <= now - self.seconds:
            self.total -= entries.popleft()[1]


class LocalWindows:
    """The part of `limits`' moving-window limiter and storage that the budgets use, kept in
    a dict: `get_window_stats` and `hit` for windows, `get_expiry`, `incr` and `clear` for
    the pauses (a counter that lives until its expiry)."""

    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}
        self._expiries: dict[str, float] = {}  # counters' deadlines (their counts go unused)
        self._hits = 0

    def _window(self, item: RateLimitItem, key: str) -> tuple[_Window, float]:
        now = time.time()
        window = self._windows.get(item.key_for(key))
        if window is None:
            window = self._windows[item.key_for(key)] = _Window(item.get_expiry())
        window.expire(now)
        return window, now

    def _prune(self, now: float) -> None:
        """Forgets the windows that hold nothing any more (an account that stopped
        trading) and the pauses that are over: memory follows the active keys."""
        for key, window in list(self._windows.items()):
            window.expire(now)
            if not window.entries:
                del self._windows[key]
        self._expiries = {key: end for key, end in self._expiries.items() if end > now}

    async def get_window_stats(self, item: RateLimitItem, key: str) -> WindowStats:
        """When the window frees its oldest entry (now, when empty), and what is left."""
        window, now = self._window(item, key)
        oldest = window.entries[0][0] if window.entries else now
        return WindowStats(oldest + item.get_expiry(), item.amount - window.total)

    async def hit(self, item: RateLimitItem, key: str, *, cost: int = 1) -> bool:
        """Spends `cost` if it fits; False (and nothing spent) if it does not."""
        window, now = self._window(item, key)
        if window.total + cost > item.amount:
            return False
        window.entries.append((now, cost))
        window.total += cost
        self._hits += 1
        if self._hits % PRUNE_EVERY == 0:
            self._prune(now)
        return True

    async def get_expiry(self, key: str) -> float:
        """When the counter ends (now, if there is none)."""
        now = time.time()
        deadline = self._expiries.get(key)
        if deadline is None or deadline <= now:
            self._expiries.pop(key, None)
            return now
        return deadline

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Starts the counter for `expiry` seconds unless one is running; its count is not
        kept (pauses only ask when they end)."""
        if await self.get_expiry(key) <= time.time():
            self._expiries[key] = time.time() + expiry
        return amount

    async def clear(self, key: str) -> None:
        self._expiries.pop(key, None)
