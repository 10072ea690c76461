"""A batch of leased jobs, kept while its work is in flight.

A job table leases rows under a token new to each batch, for a fixed time. A batch that takes
longer (a slow venue, retries, pacing by the IP budget) would lose its rows to another
process while its orders are in flight, and both would place them. So the holder renews the
lease every third of its length while the batch runs, and asks `holds` before each action on
the exchange: a job is held while the last renewal still listed it and a third of the lease
is left. A holder that could not renew (its database went away, its loop stalled) stops
acting before anyone else may take over; whoever does looks the job's orders up on the
exchange before placing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tradedesk.domain.ports import Clock

log = logging.getLogger("tradedesk.job_leases")


class HeldLease:
    def __init__(
        self,
        job_ids: set[str],
        *,
        until: datetime,
        lease: timedelta,
        clock: Clock,
        renew: Callable[[datetime], Awaitable[set[str]]],
    ) -> None:
        self._held = set(job_ids)
        self._until = until
        self._lease = lease
        self._clock = clock
        self._renew = renew

    def holds(self, job_id: str) -> bool:
        """Whether this process may still act on the job."""
        return job_id in self._held and self._clock.now() < self._until - self._lease / 3

    async def keep(self, done: asyncio.Event) -> None:
        """Renews every third of the lease until `done`."""
        every = self._lease.total_seconds() / 3
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=every)
            if done.is_set():
                return
            until = self._clock.now() + self._lease
            try:
                held = await self._renew(until)
            except Exception:  # the lease runs out on its own; `holds` then says no
                log.exception("a job lease could not be renewed")
                continue
            lost = self._held - held
            if lost:
                log.warning("%d leased jobs were taken over; leaving them", len(lost))
            self._held = held
            self._until = until
