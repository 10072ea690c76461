"""Strategy follows, scoped to their user for every read a user makes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.copying.model import FollowDirection, FollowSizing, StrategyFollow
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.persistence.core import rowcount
from tradedesk.persistence.tables import StrategyFollowRow


def _follow(row: StrategyFollowRow) -> StrategyFollow:
    return StrategyFollow(
        id=row.id,
        user_id=row.user_id,
        key_id=row.key_id,
        strategy_id=row.strategy_id,
        risk_profile_id=row.risk_profile_id,
        symbol=row.symbol,
        active=row.active,
        max_leverage=row.max_leverage,
        daily_loss_limit_percent=row.daily_loss_limit_percent,
        paused_reason=row.paused_reason,
        sizing=FollowSizing(row.sizing),
        notional_usdt=row.notional_usdt,
        equity_percent=row.equity_percent,
        max_notional_usdt=row.max_notional_usdt,
        direction=FollowDirection(row.direction),
        max_entry_slippage_percent=row.max_entry_slippage_percent,
        portfolio_stop_percent=row.portfolio_stop_percent,
        high_water_usd=row.high_water_usd,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlFollowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for_keys(self, user_id: str, key_ids: list[str]) -> list[StrategyFollow]:
        rows = await self._session.scalars(
            select(StrategyFollowRow)
            .where(
                col(StrategyFollowRow.user_id) == user_id,
                col(StrategyFollowRow.key_id).in_(key_ids),
            )
            .order_by(col(StrategyFollowRow.created_at), col(StrategyFollowRow.id))
            .execution_options(populate_existing=True)
        )
        return [_follow(row) for row in rows]

    async def get(self, user_id: str, follow_id: str) -> StrategyFollow | None:
        row = await self._session.scalar(
            select(StrategyFollowRow)
            .where(
                col(StrategyFollowRow.id) == follow_id,
                col(StrategyFollowRow.user_id) == user_id,
            )
            .execution_options(populate_existing=True)
        )
        return None if row is None else _follow(row)

    async def get_many(self, follow_ids: list[str]) -> list[StrategyFollow]:
        rows = await self._session.scalars(
            select(StrategyFollowRow)
            .where(col(StrategyFollowRow.id).in_(follow_ids))
            .execution_options(populate_existing=True)
        )
        return [_follow(row) for row in rows]

    async def active_for_strategy(self, strategy_id: str) -> list[StrategyFollow]:
        rows = await self._session.scalars(
            select(StrategyFollowRow)
            .where(col(StrategyFollowRow.strategy_id) == strategy_id, col(StrategyFollowRow.active))
            .order_by(col(StrategyFollowRow.created_at), col(StrategyFollowRow.id))
        )
        return [_follow(row) for row in rows]

    async def symbol_followed(self, key_id: str, symbol: str) -> bool:
        found = await self._session.scalar(
            select(col(StrategyFollowRow.id)).where(
                col(StrategyFollowRow.key_id) == key_id, col(StrategyFollowRow.symbol) == symbol
            )
        )
        return found is not None

    async def add(self, follow: StrategyFollow) -> None:
        self._session.add(StrategyFollowRow(**_values(follow)))
        try:
            await self._session.flush()
        except IntegrityError:  # a concurrent follow of the same key and symbol won
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_SYMBOL_ALREADY_EXISTS) from None

    async def update(self, follow: StrategyFollow) -> None:
        await self._session.execute(
            update(StrategyFollowRow)
            .where(col(StrategyFollowRow.id) == follow.id)
            .values(
                strategy_id=follow.strategy_id,
                risk_profile_id=follow.risk_profile_id,
                active=follow.active,
                max_leverage=follow.max_leverage,
                daily_loss_limit_percent=follow.daily_loss_limit_percent,
                paused_reason=follow.paused_reason,
                **_options(follow),
                updated_at=follow.updated_at,
            )
        )

    async def pause_all(self, user_id: str, *, reason: str, now: datetime) -> list[StrategyFollow]:
        """Pauses the user's active follows; those it paused, as they now are."""
        rows = await self._session.scalars(
            update(StrategyFollowRow)
            .where(col(StrategyFollowRow.user_id) == user_id, col(StrategyFollowRow.active))
            .values(active=False, paused_reason=reason, updated_at=now)
            .returning(StrategyFollowRow)
            .execution_options(synchronize_session=False)
        )
        return [_follow(row) for row in rows]

    async def with_portfolio_stop(self) -> list[StrategyFollow]:
        rows = await self._session.scalars(
            select(StrategyFollowRow)
            .where(
                col(StrategyFollowRow.active),
                col(StrategyFollowRow.portfolio_stop_percent).is_not(None),
            )
            .order_by(col(StrategyFollowRow.key_id), col(StrategyFollowRow.id))
            .execution_options(populate_existing=True)
        )
        return [_follow(row) for row in rows]

    async def reset_high_water(self, follow_id: str) -> None:
        await self._session.execute(
            update(StrategyFollowRow)
            .where(col(StrategyFollowRow.id) == follow_id)
            .values(high_water_usd=None)
            .execution_options(synchronize_session=False)
        )

    async def raise_high_water(self, follow_id: str, equity: Decimal) -> None:
        high = col(StrategyFollowRow.high_water_usd)
        await self._session.execute(
            update(StrategyFollowRow)
            .where(col(StrategyFollowRow.id) == follow_id, or_(high.is_(None), high < equity))
            .values(high_water_usd=equity)
            .execution_options(synchronize_session=False)
        )

    async def pause(self, follow_id: str, *, reason: str, now: datetime) -> bool:
        paused = await self._session.execute(
            update(StrategyFollowRow)
            .where(col(StrategyFollowRow.id) == follow_id, col(StrategyFollowRow.active))
            .values(active=False, paused_reason=reason[:128], updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(rowcount(paused))


def _values(follow: StrategyFollow) -> dict[str, Any]:
    return {
        "id": follow.id,
        "user_id": follow.user_id,
        "key_id": follow.key_id,
        "strategy_id": follow.strategy_id,
        "risk_profile_id": follow.risk_profile_id,
        "symbol": follow.symbol,
        "active": follow.active,
        "max_leverage": follow.max_leverage,
        "daily_loss_limit_percent": follow.daily_loss_limit_percent,
        "paused_reason": follow.paused_reason,
        **_options(follow),
        "high_water_usd": follow.high_water_usd,
        "created_at": follow.created_at,
        "updated_at": follow.updated_at,
    }


def _options(follow: StrategyFollow) -> dict[str, Any]:
    """What a user sets of a follow (the high-water mark is the portfolio stop's)."""
    return {
        "sizing": follow.sizing.value,
        "notional_usdt": follow.notional_usdt,
        "equity_percent": follow.equity_percent,
        "max_notional_usdt": follow.max_notional_usdt,
        "direction": follow.direction.value,
        "max_entry_slippage_percent": follow.max_entry_slippage_percent,
        "portfolio_stop_percent": follow.portfolio_stop_percent,
    }
