"""Copies' outcomes, written in batches while a fan-out runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import timedelta

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.copying.model import (
    CopyOutcome,
    CopyStatus,
)
from tradedesk.domain.copying.ports import (
    CopyingUnitOfWork,
    CopyingUnitOfWorkFactory,
)
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.transactions import in_transaction

log = logging.getLogger("tradedesk.copy_trading")

MAX_BACKOFF_SECONDS = 60.0


class CopyOutcomes:
    """Copies' outcomes, written in one transaction per batch: a finished copy with the trade
    the keeper is to follow, or a copy still PENDING released for a retry after a backoff.
    Only the copies still held under the batch's lease token are written: a copy taken over
    by another process is theirs to record."""

    def __init__(
        self, *, uow_factory: CopyingUnitOfWorkFactory, clock: Clock, ids: Ids, token: str
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._token = token
        self._waiting: list[CopyOutcome] = []

    def add(self, outcome: CopyOutcome) -> None:
        """A copy's outcome; its entry and notice are alerted in the same transaction."""
        self._waiting.append(outcome)

    async def write_until(self, done: asyncio.Event, seconds: float) -> None:
        """Flush every `seconds` until `done`, then once more for what came in meanwhile
        (a flush is never cut short)."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=seconds)
            await self.flush()
        await self.flush()

    async def flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        now = self._clock.now()

        async def write(uow: CopyingUnitOfWork) -> None:
            held = await uow.copies.hold(token=self._token, ids=[o.copy.id for o in waiting])
            if lost := len(waiting) - len(held):
                log.warning("%d copies were taken over before their outcome was written", lost)
            batch = [outcome for outcome in waiting if outcome.copy.id in held]
            told = [(o.copy.user_id, e) for o in batch for e in (o.entry, o.notice) if e]
            await record_alerts(uow, self._ids, told)
            await uow.protected_trades.add_many(
                [o.trade for o in batch if o.trade is not None], now=now
            )
            await uow.copies.retry_many(
                [
                    (o.copy.id, now + _backoff(o.copy.attempts))
                    for o in batch
                    if o.copy.status is CopyStatus.PENDING
                ]
            )
            await uow.copies.finish_many(
                [
                    replace(o.copy, updated_at=now)
                    for o in batch
                    if o.copy.status is not CopyStatus.PENDING
                ]
            )

        # two workers' flushes may deadlock on PostgreSQL; a lost flush would leave the copies
        # leased until their lease lapsed, and then run again
        await in_transaction(self._uow_factory, write)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(0.5 * 2**attempts, MAX_BACKOFF_SECONDS))
