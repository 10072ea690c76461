"""A Clock that tests move by hand; the domain takes time only through its Clock port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SteppedClock:
    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, delta: timedelta) -> None:
        self._now += delta
        self._monotonic += delta.total_seconds()
