"""Switches that make the venue misbehave as Binance does on a bad day, for tests that prove
the platform survives it: while an outage is on, requests under its path answer Binance's
503 before they reach the engine, so nothing is executed.
"""

from __future__ import annotations

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
    refused: int = 0


@dataclass(slots=True)
class Faults:
    outages: list[Outage] = field(default_factory=list)

    def outage(
        self, path_prefix: str = "/", *, status: int = 503, times: int | None = None
    ) -> Outage:
        """Refuses requests whose path starts with `path_prefix`, `times` of them or until
        `clear()`; the returned outage counts what it refused."""
        outage = Outage(path_prefix, status, times)
        self.outages.append(outage)
        return outage

    def clear(self) -> None:
        self.outages.clear()

    def refusal(self, path: str) -> int | None:
        """The status to answer this request with, or None to serve it."""
        for outage in self.outages:
            if path.startswith(outage.path_prefix) and outage.remaining != 0:
                if outage.remaining is not None:
                    outage.remaining -= 1
                outage.refused += 1
                return outage.status
        return None
