"""Where the catalog of plans, risk profiles and strategies is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy, StrategyTrade
from tradedesk.domain.ports import Transaction


class CatalogRepository(Protocol):
    """The public catalog an operator curates: plans, risk profiles and strategies."""

    async def list_plans(self) -> list[Plan]: ...

    async def plan_named(self, name: str) -> Plan:
        """A plan by name, public or private (the default plan of users without one)."""
        ...

    async def plan(self, plan_id: str) -> Plan:
        """A plan by id, public or private."""
        ...

    async def plan_exists(self, plan_id: str) -> bool: ...

    async def list_risk_profiles(self) -> list[RiskProfile]: ...

    async def list_strategies(self) -> list[Strategy]: ...

    async def add_strategy(self, strategy: Strategy) -> None:
        """`ValidationFailed` on `name` when another strategy has the name."""
        ...

    async def update_strategy(self, strategy: Strategy) -> None:
        """Name, description and active; `ValidationFailed` on a name taken."""
        ...


class StrategyTradeRepository(Protocol):
    async def closed_between(
        self, strategy_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[StrategyTrade]:
        """Trades of these strategies closed in [start, end), oldest close first."""
        ...

    async def add(self, trade_id: str, trade: StrategyTrade) -> None: ...


class CatalogUnitOfWork(Transaction, Protocol):
    """A transaction over the catalog and strategies' trades."""

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def strategy_trades(self) -> StrategyTradeRepository: ...


CatalogUnitOfWorkFactory = Callable[[], CatalogUnitOfWork]
