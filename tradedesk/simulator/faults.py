"""Switches that make the venue misbehave as Binance does on a bad day, for tests that prove
the platform survives it. While an outage is on, requests under its path answer Binance's 503
before they reach the engine, so nothing is executed; a stalling outage first holds them
until it is cleared, as a backend that stopped answering does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

# What Binance answers when its backend is down
UNAVAILABLE = {
    "code": -1001,
    "msg": "Internal error; unable to process your request. Please try again.",
}


@dataclass(slots=True)
class Outage:
    path_prefix: str
    status: int
    remaining: int | None  # requests it still refuses; None: until cleared
    after: int  # requests it lets through before it begins
    stall: bool  # refused requests hang until the outage is cleared
    seen: int = 0
    refused: int = 0

    def refuses(self, path: str) -> bool:
        if not path.startswith(self.path_prefix) or self.remaining == 0:
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.refused += 1
        return True


@dataclass(slots=True)
class Faults:
    outages: list[Outage] = field(default_factory=list)
    _cleared: asyncio.Event = field(default_factory=asyncio.Event)

    def outage(
        self,
        path_prefix: str = "/",
        *,
        status: int = 503,
        times: int | None = None,
        after: int = 0,
        stall: bool = False,
    ) -> Outage:
        """Refuses requests whose path starts with `path_prefix`: `times` of them or until
        `clear()`, beginning after the first `after`; with `stall`, each refusal waits for
        `clear()` first. The returned outage counts what it refused."""
        outage = Outage(path_prefix, status, times, after, stall)
        self.outages.append(outage)
        return outage

    def clear(self) -> None:
        """Ends every outage; stalled requests get their refusal now."""
        self.outages.clear()
        self._cleared.set()
        self._cleared = asyncio.Event()

    async def refusal(self, path: str) -> int | None:
        """The status to answer this request with, or None to serve it."""
        for outage in self.outages:
            if outage.refuses(path):
                if outage.stall:
                    await self._cleared.wait()
                return outage.status
        return None
