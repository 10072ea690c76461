"""A unit of work that the database may roll back for a concurrent one is run again."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tradedesk.domain.errors import TransactionConflict
from tradedesk.domain.ports import Transaction

T = TypeVar("T")
U = TypeVar("U", bound="Transaction")
ATTEMPTS = 3


async def in_transaction(uow_factory: Callable[[], U], work: Callable[[U], Awaitable[T]]) -> T:
    """Runs `work` in a fresh unit of work and commits it, again (up to 3 times, after a
    short random pause) when the database refuses it as a serialization failure or a
    deadlock. Only for work that does nothing outside the database."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with uow_factory() as uow:
                result = await work(uow)
                await uow.commit()
                return result
        except TransactionConflict:
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
