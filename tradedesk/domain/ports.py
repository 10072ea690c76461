"""What the domain needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from tradedesk.domain.billing import Plan
from tradedesk.domain.market import ExchangeId, Ticker, TradeType
from tradedesk.domain.strategies import RiskProfile, Strategy, StrategyTrade


class Clock(Protocol):
    """Time comes through here so tests can hold it still."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for cache ages."""
        ...


class ExchangeGateway(Protocol):
    """An exchange as the domain sees it; adapters map their failures to domain errors."""

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker: ...


class CatalogRepository(Protocol):
    """The public catalog an operator curates: plans, risk profiles and strategies."""

    async def list_plans(self) -> list[Plan]: ...

    async def list_risk_profiles(self) -> list[RiskProfile]: ...

    async def list_strategies(self) -> list[Strategy]: ...


class StrategyTradeRepository(Protocol):
    async def closed_between(
        self, strategy_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[StrategyTrade]:
        """Trades of these strategies closed in [start, end), oldest close first."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it commits together or not at all."""

    catalog: CatalogRepository
    strategy_trades: StrategyTradeRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
