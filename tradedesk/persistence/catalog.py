"""Reads of the public catalog, in the order clients list it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy
from tradedesk.domain.errors import FieldError, ValidationFailed
from tradedesk.domain.market.model import ExchangeId
from tradedesk.persistence.tables import PlanRow, RiskProfileRow, StrategyRow


class SqlCatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_plans(self) -> list[Plan]:
        """Cheapest first: BASIC, ADVANCED, PROFESSIONAL."""
        rows = await self._session.scalars(
            select(PlanRow).order_by(col(PlanRow.monthly_price_usd), col(PlanRow.name))
        )
        return [_plan(row) for row in rows]

    async def plan_named(self, name: str) -> Plan:
        row = await self._session.scalar(select(PlanRow).where(col(PlanRow.name) == name))
        if row is None:
            raise LookupError(f"no plan named {name!r}: seed it or set TRADEDESK_DEFAULT_PLAN")
        return _plan(row)

    async def plan_exists(self, plan_id: str) -> bool:
        return await self._session.get(PlanRow, plan_id) is not None

    async def plan(self, plan_id: str) -> Plan:
        row = await self._session.get(PlanRow, plan_id)
        if row is None:
            raise LookupError(f"no plan {plan_id!r}")
        return _plan(row)

    async def list_risk_profiles(self) -> list[RiskProfile]:
        """Least risk first: CONSERVATIVE, MODERATE, AGGRESSIVE."""
        rows = await self._session.scalars(
            select(RiskProfileRow).order_by(
                col(RiskProfileRow.percentage), col(RiskProfileRow.name)
            )
        )
        return [
            RiskProfile(
                id=row.id,
                name=row.name,
                percentage=float(row.percentage),
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    async def list_strategies(self) -> list[Strategy]:
        """Oldest first, so STRATEGY #1 leads."""
        rows = await self._session.scalars(
            select(StrategyRow).order_by(col(StrategyRow.created_at), col(StrategyRow.name))
        )
        return [
            Strategy(
                id=row.id,
                active=row.active,
                name=row.name,
                description=row.description,
                exchange_id=ExchangeId(row.exchange_id),
                symbol=row.symbol,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    async def add_strategy(self, strategy: Strategy) -> None:
        self._session.add(
            StrategyRow(
                id=strategy.id,
                active=strategy.active,
                name=strategy.name,
                description=strategy.description,
                exchange_id=strategy.exchange_id.value,
                symbol=strategy.symbol,
                created_at=strategy.created_at,
                updated_at=strategy.updated_at,
            )
        )
        try:
            await self._session.flush()
        except IntegrityError:
            raise _name_taken(strategy.name) from None

    async def update_strategy(self, strategy: Strategy) -> None:
        try:
            await self._session.execute(
                update(StrategyRow)
                .where(col(StrategyRow.id) == strategy.id)
                .values(
                    name=strategy.name,
                    description=strategy.description,
                    active=strategy.active,
                    updated_at=strategy.updated_at,
                )
            )
        except IntegrityError:
            raise _name_taken(strategy.name) from None


def _name_taken(name: str) -> ValidationFailed:
    return ValidationFailed([FieldError(param="name", value=name, msg="must be unique")])


def _plan(row: PlanRow) -> Plan:
    return Plan(
        id=row.id,
        name=row.name,
        monthly_price_usd=float(row.monthly_price_usd),
        max_balance_usd=row.max_balance_usd,
        max_api_key=row.max_api_key,
        strategy_automated=row.strategy_automated,
        public=row.public,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
