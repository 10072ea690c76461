"""Switches that make the venue misbehave as Binance does on a bad day, for tests that prove
the platform survives it. Each switch covers the requests whose path starts with a prefix
(all of them, `times` of them, after the first `after`):

- `outage`: Binance's 503 "please try again" (-1001) before the engine runs, so nothing is
  executed; with `stall`, each request first hangs until the outage is cleared.
- `failure`: a bare 5xx from a proxy in front of Binance (an HTML page, not Binance's JSON).
- `ban`: a 429 (too many requests) or 418 (IP banned) with `Retry-After`, nothing executed.
- `latency`: the answer comes `seconds` late (after the engine ran).
- `malformed`: a 200 whose body is not JSON (the engine ran).
- `drop`: the connection is cut before the answer is complete (the engine ran, or with
  `executed=False` never saw the request).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum

# What Binance answers when its backend is down
UNAVAILABLE = {
    "code": -1001,
    "msg": "Internal error; unable to process your request. Please try again.",
}
BANNED = {"code": -1003, "msg": "Way too many requests; IP banned until further notice."}
PROXY_ERROR_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
MALFORMED_BODY = b'{"symbol": "BTCUSDT", "price": '


class FaultKind(StrEnum):
    OUTAGE = "outage"
    FAILURE = "failure"
    BAN = "ban"
    LATENCY = "latency"
    MALFORMED = "malformed"
    DROP = "drop"


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    path_prefix: str
    remaining: int | None  # requests it still affects; None: until cleared
    after: int  # requests it lets through before it begins
    status: int = 503
    stall: bool = False  # refused requests hang until the fault is cleared
    seconds: float = 0.0  # the latency, or a ban's Retry-After
    executed: bool = True  # a dropped request reached the engine first
    seen: int = 0
    hits: int = 0

    @property
    def refused(self) -> int:
        """Requests this fault affected."""
        return self.hits

    def applies(self, path: str) -> bool:
        if not path.startswith(self.path_prefix) or self.remaining == 0:
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.hits += 1
        return True


@dataclass(slots=True)
class Faults:
    faults: list[Fault] = field(default_factory=list)
    requests: int = 0  # every request the venue received, faulty or not
    _cleared: asyncio.Event = field(default_factory=asyncio.Event)

    def outage(
        self,
        path_prefix: str = "/",
        *,
        status: int = 503,
        times: int | None = None,
        after: int = 0,
        stall: bool = False,
    ) -> Fault:
        """Refuses requests with Binance's -1001, unexecuted; with `stall`, each refusal
        waits for `clear()` first. The returned fault counts what it refused."""
        return self.add(
            Fault(FaultKind.OUTAGE, path_prefix, times, after, status=status, stall=stall)
        )

    def failure(
        self, path_prefix: str = "/", *, status: int = 502, times: int | None = None
    ) -> Fault:
        return self.add(Fault(FaultKind.FAILURE, path_prefix, times, 0, status=status))

    def ban(
        self,
        path_prefix: str = "/",
        *,
        status: int = 418,
        retry_after: float = 60,
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        return self.add(
            Fault(FaultKind.BAN, path_prefix, times, after, status=status, seconds=retry_after)
        )

    def latency(self, path_prefix: str = "/", *, seconds: float, times: int | None = None) -> Fault:
        return self.add(Fault(FaultKind.LATENCY, path_prefix, times, 0, seconds=seconds))

    def malformed(self, path_prefix: str = "/", *, times: int | None = None) -> Fault:
        return self.add(Fault(FaultKind.MALFORMED, path_prefix, times, 0, status=200))

    def drop(
        self, path_prefix: str = "/", *, times: int | None = None, executed: bool = True
    ) -> Fault:
        return self.add(Fault(FaultKind.DROP, path_prefix, times, 0, executed=executed))

    def clear(self) -> None:
        """Ends every fault; stalled requests get their refusal now."""
        self.faults.clear()
        self._cleared.set()
        self._cleared = asyncio.Event()

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    async def fault_for(self, path: str) -> Fault | None:
        """The fault this request meets (after any stall), or None to serve it plainly."""
        self.requests += 1
        for fault in self.faults:
            if fault.applies(path):
                if fault.stall:
                    await self._cleared.wait()
                return fault
        return None
