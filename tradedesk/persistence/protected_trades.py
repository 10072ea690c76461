"""Protected trades: what the protection keeper follows, leased to one keeper at a time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.model import LegEnd, ProtectedTrade
from tradedesk.persistence.core import rowcount
from tradedesk.persistence.tables import ProtectedTradeRow
from tradedesk.persistence.upsert import insert_unless_present

LEASING_LOCK = 0x7D_5EED  # PostgreSQL advisory lock: keepers lease trades one at a time
CHUNK = 500  # trades read by one statement


def _legs(trade: ProtectedTrade) -> dict[str, object]:
    """What a pass may change: the legs, and the stop of a plan gone to breakeven."""
    return {
        "stop_trigger_price": trade.plan.stop_trigger_price,
        "stop_price": trade.plan.stop_price,
        "breakeven_after": trade.plan.breakeven_after,
        "generation": trade.generation,
        "sized_to": trade.sized_to,
        "entry_final": trade.entry_final,
        "live_legs": json.dumps(dict(trade.live)),
        "ended_legs": json.dumps({leg: end.value for leg, end in trade.ended.items()}),
    }


def _row(trade: ProtectedTrade, now: datetime) -> dict[str, object]:
    plan = trade.plan
    return {
        "id": trade.id,
        "user_id": trade.user_id,
        "key_id": trade.key_id,
        "symbol": trade.symbol,
        "prefix": trade.prefix,
        "side": plan.side.value,
        "amount": plan.amount,
        "take_profit_prices": json.dumps([str(p) for p in plan.take_profit_prices]),
        "callback_rate": plan.callback_rate,
        "open": True,
        "created_at": now,
        "updated_at": now,
        **_legs(trade),
    }


def _trade(row: ProtectedTradeRow) -> ProtectedTrade:
    return ProtectedTrade(
        id=row.id,
        user_id=row.user_id,
        key_id=row.key_id,
        symbol=row.symbol,
        prefix=row.prefix,
        plan=ExitPlan(
            side=OrderSide(row.side),
            amount=row.amount,
            take_profit_prices=tuple(Decimal(p) for p in json.loads(row.take_profit_prices)),
            stop_trigger_price=row.stop_trigger_price,
            stop_price=row.stop_price,
            breakeven_after=row.breakeven_after,
            callback_rate=row.callback_rate,
        ),
        generation=row.generation,
        sized_to=row.sized_to,
        entry_final=row.entry_final,
        live=json.loads(row.live_legs),
        ended={leg: LegEnd(end) for leg, end in json.loads(row.ended_legs).items()},
    )


_TRADES = ProtectedTradeRow.__table__  # type: ignore[attr-defined]
# asked before every futures order: built once
_ONE_OPEN_ON_SYMBOL = (
    sa_select(_TRADES.c.id)
    .where(
        _TRADES.c.key_id == bindparam("key_id"),
        _TRADES.c.symbol == bindparam("symbol"),
        _TRADES.c.open,
    )
    .limit(1)
)


class SqlProtectedTradeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, trade: ProtectedTrade, *, now: datetime) -> None:
        await self.add_many([trade], now=now)

    async def add_many(self, trades: list[ProtectedTrade], *, now: datetime) -> None:
        """Inserts the trades that are not there already (a resumed copy)."""
        await insert_unless_present(
            self._session, ProtectedTradeRow, [_row(trade, now) for trade in trades], key=["id"]
        )

    async def open_on_keys(self, key_ids: list[str]) -> list[ProtectedTrade]:
        rows = await self._session.scalars(
            select(ProtectedTradeRow).where(
                col(ProtectedTradeRow.key_id).in_(key_ids), col(ProtectedTradeRow.open)
            )
        )
        return [_trade(row) for row in rows]

    async def leased_many(
        self, trade_ids: list[str], *, owner: str, now: datetime
    ) -> list[ProtectedTrade]:
        found: list[ProtectedTrade] = []
        for start in range(0, len(trade_ids), CHUNK):  # within every driver's bound parameters
            rows = await self._session.scalars(
                select(ProtectedTradeRow)
                .where(
                    col(ProtectedTradeRow.id).in_(trade_ids[start : start + CHUNK]),
                    col(ProtectedTradeRow.open),
                    col(ProtectedTradeRow.lease_owner) == owner,
                    col(ProtectedTradeRow.lease_until) >= now,
                )
                .order_by(col(ProtectedTradeRow.created_at))
                .execution_options(populate_existing=True)
            )
            found += [_trade(row) for row in rows]
        return found

    async def save(self, trade: ProtectedTrade, *, now: datetime) -> bool:
        saved = await self._session.execute(
            update(ProtectedTradeRow)
            .where(col(ProtectedTradeRow.id) == trade.id, col(ProtectedTradeRow.open))
            .values(updated_at=now, **_legs(trade))
        )
        return bool(rowcount(saved))

    async def close(self, trade_id: str, *, reason: str, now: datetime) -> None:
        await self._session.execute(
            update(ProtectedTradeRow)
            .where(col(ProtectedTradeRow.id) == trade_id, col(ProtectedTradeRow.open))
            .values(open=False, closed_reason=reason, updated_at=now)
        )

    async def closed_for(self, key_id: str, symbol: str, reason: str) -> bool:
        found = await self._session.scalar(
            select(col(ProtectedTradeRow.id))
            .where(
                col(ProtectedTradeRow.key_id) == key_id,
                col(ProtectedTradeRow.symbol) == symbol,
                col(ProtectedTradeRow.closed_reason) == reason,
            )
            .limit(1)
        )
        return found is not None

    async def close_all(self, key_id: str, symbol: str, *, reason: str, now: datetime) -> None:
        """Looks before it writes: every order placed closes the symbol's trades, and most
        symbols have none open, so on SQLite most calls take no write lock at all."""
        on_symbol = {"key_id": key_id, "symbol": symbol}
        if (await self._session.execute(_ONE_OPEN_ON_SYMBOL, on_symbol)).first() is not None:
            await self._session.execute(
                update(ProtectedTradeRow)
                .where(
                    col(ProtectedTradeRow.key_id) == key_id,
                    col(ProtectedTradeRow.symbol) == symbol,
                    col(ProtectedTradeRow.open),
                )
                .values(open=False, closed_reason=reason, updated_at=now)
            )

    async def lease_open(self, *, owner: str, now: datetime, lease: timedelta) -> set[str]:
        if self._session.get_bind().dialect.name == "postgresql":
            # one keeper leases at a time, so two never split a key's trades between them
            await self._session.execute(select(func.pg_advisory_xact_lock(LEASING_LOCK)))
        held_by_another = select(ProtectedTradeRow.key_id).where(
            col(ProtectedTradeRow.open),
            col(ProtectedTradeRow.lease_owner) != owner,
            col(ProtectedTradeRow.lease_until) >= now,
        )
        await self._session.execute(
            update(ProtectedTradeRow)
            .where(
                col(ProtectedTradeRow.open),
                col(ProtectedTradeRow.key_id).not_in(held_by_another),
                or_(
                    col(ProtectedTradeRow.lease_until).is_(None),
                    col(ProtectedTradeRow.lease_until) < now,
                    and_(  # this owner's, renewed once half the lease is gone
                        col(ProtectedTradeRow.lease_owner) == owner,
                        col(ProtectedTradeRow.lease_until) < now + lease / 2,
                    ),
                ),
            )
            .values(lease_owner=owner, lease_until=now + lease)
            # no session to bring in line: without this the ORM reads back every id it set
            .execution_options(synchronize_session=False)
        )
        held = await self._session.scalars(
            select(col(ProtectedTradeRow.id)).where(
                col(ProtectedTradeRow.open), col(ProtectedTradeRow.lease_owner) == owner
            )
        )
        return set(held)
