"""Where strategies' signals and reference trades are kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tradedesk.domain.catalog.ports import CatalogUnitOfWork
from tradedesk.domain.strategies.model import ReferenceTrade, Signal


class ReferenceTradeRepository(Protocol):
    """Each strategy's open reference trade (at most one)."""

    async def get(self, strategy_id: str) -> ReferenceTrade | None: ...

    async def open_all(self) -> list[ReferenceTrade]: ...

    async def put(self, trade: ReferenceTrade) -> None: ...

    async def remove(self, strategy_id: str) -> None: ...


class SignalRepository(Protocol):
    async def add(self, signal: Signal, *, created_by: str) -> None: ...

    async def get(self, signal_id: str) -> Signal: ...

    async def published_counts(self, strategy_ids: list[str]) -> dict[str, int]:
        """How many signals each strategy has published: its latest signal's sequence."""
        ...

    async def latest_open(self, strategy_id: str) -> Signal | None:
        """The strategy's most recent OPEN signal; None before its first."""
        ...

    async def exists(self, signal_id: str) -> bool: ...

    async def next_sequence(self, strategy_id: str) -> int:
        """The next signal's place in the strategy's sequence, taken under the strategy's
        write lock (concurrent publishes get distinct, ordered numbers)."""
        ...


class StrategiesUnitOfWork(CatalogUnitOfWork, Protocol):
    """A transaction over a strategy's signals and reference trades."""

    @property
    def signals(self) -> SignalRepository: ...

    @property
    def reference_trades(self) -> ReferenceTradeRepository: ...


StrategiesUnitOfWorkFactory = Callable[[], StrategiesUnitOfWork]
