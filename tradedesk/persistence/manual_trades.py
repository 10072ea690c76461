"""Manual trades: claimed before an idempotent order is placed, completed once it is."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.market.exchange import Fee, Order
from tradedesk.domain.numbers import as_float
from tradedesk.domain.trading.model import Claim, ManualTrade
from tradedesk.persistence.core import rowcount
from tradedesk.persistence.keyset import older_than
from tradedesk.persistence.tables import ManualTradeRow
from tradedesk.persistence.upsert import insert_unless_present

_TRADES = ManualTradeRow.__table__  # type: ignore[attr-defined]

STALE_CLAIM = timedelta(minutes=2)  # far longer than placing an order takes


def _decimal(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _orders_json(orders: list[Order]) -> str:
    return json.dumps([asdict(order) for order in orders])


def _orders(text: str) -> list[Order]:
    found = []
    for raw in json.loads(text):
        raw["fee"] = Fee(**raw["fee"]) if raw["fee"] else None
        raw["fees"] = tuple(Fee(**fee) for fee in raw["fees"])
        found.append(Order(**raw))
    return found


class SqlManualTradeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self, *, trade_id: str, user_id: str, key_id: str, symbol: str, idempotency_key: str,
        now: datetime,
    ) -> Claim:  # fmt: skip
        """Insert a pending trade for the idempotency key, unless one exists already. A
        pending trade older than `STALE_CLAIM` (its process died placing it) is taken over."""
        stale = await self._session.execute(
            delete(ManualTradeRow).where(
                col(ManualTradeRow.user_id) == user_id,
                col(ManualTradeRow.idempotency_key) == idempotency_key,
                ~col(ManualTradeRow.placed),
                col(ManualTradeRow.created_at) < now - STALE_CLAIM,
            )
        )
        await insert_unless_present(
            self._session,
            ManualTradeRow,
            {
                "id": trade_id,
                "user_id": user_id,
                "key_id": key_id,
                "idempotency_key": idempotency_key,
                "placed": False,
                "symbol": symbol,
                "take_profit": "[]",
                "orders": "[]",
                "created_at": now,
            },
            key=["user_id", "idempotency_key"],
        )
        owner = await self._session.scalar(
            select(col(ManualTradeRow.id)).where(
                col(ManualTradeRow.user_id) == user_id,
                col(ManualTradeRow.idempotency_key) == idempotency_key,
            )
        )
        if owner != trade_id:
            return Claim.HELD
        return Claim.TAKEN_OVER if rowcount(stale) else Claim.FIRST

    async def placed_orders(self, user_id: str, idempotency_key: str) -> list[Order] | None:
        """The orders of the trade made under the key; None while it is still being placed."""
        row = await self._session.scalar(
            select(ManualTradeRow)
            .where(
                col(ManualTradeRow.user_id) == user_id,
                col(ManualTradeRow.idempotency_key) == idempotency_key,
            )
            .execution_options(populate_existing=True)
        )
        if row is None or not row.placed:
            return None
        return _orders(row.orders)

    async def release(self, trade_id: str) -> None:
        await self._session.execute(
            delete(ManualTradeRow).where(
                col(ManualTradeRow.id) == trade_id, ~col(ManualTradeRow.placed)
            )
        )

    async def complete(
        self,
        trade: ManualTrade,
        *,
        user_id: str,
        key_id: str,
        symbol: str,
        orders: list[Order],
        claimed: bool,
    ) -> bool:
        """Fills in a claimed trade, or records one placed without an idempotency key."""
        values: dict[str, Any] = {
            "placed": True,
            "order_id": trade.order_id,
            "price": _decimal(trade.price),
            "amount": _decimal(trade.amount),
            "cost": _decimal(trade.cost),
            "stop": _decimal(trade.stop),
            "stop_type": trade.stop_type,
            "take_profit": json.dumps(list(trade.take_profit)),
            "callback_rate": _decimal(trade.callback_rate),
            "risk_profile_percent": _decimal(trade.risk_profile_percent),
            "orders": _orders_json(orders),
        }
        if claimed:  # fenced: only while the claim is still this trade's, and not yet placed
            updated = await self._session.execute(
                update(ManualTradeRow)
                .where(col(ManualTradeRow.id) == trade.id, ~col(ManualTradeRow.placed))
                .values(**values)
            )
            return bool(rowcount(updated))
        self._session.add(
            ManualTradeRow(
                id=trade.id,
                user_id=user_id,
                key_id=key_id,
                symbol=symbol,
                created_at=trade.created_at,
                **values,
            )
        )
        await self._session.flush()
        return True

    async def page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ManualTrade]:
        # plain rows, not ORM objects: a page is up to a thousand of them
        query = sa_select(_TRADES).where(_TRADES.c.user_id == user_id, _TRADES.c.placed)
        if since is not None:
            query = query.where(_TRADES.c.created_at >= since)
        if before is not None:
            query = query.where(older_than(_TRADES.c.created_at, _TRADES.c.id, before))
        rows = await self._session.execute(
            query.order_by(_TRADES.c.created_at.desc(), _TRADES.c.id.desc()).limit(limit)
        )
        return [
            ManualTrade(
                id=row.id,
                order_id=row.order_id,
                price=as_float(row.price),
                amount=as_float(row.amount),
                cost=as_float(row.cost),
                stop=as_float(row.stop),
                stop_type=row.stop_type,
                take_profit=tuple(json.loads(row.take_profit)),
                callback_rate=as_float(row.callback_rate),
                risk_profile_percent=as_float(row.risk_profile_percent),
                created_at=row.created_at,
            )
            for row in rows
        ]
