"""Signals as accepted, and the copies made of them: jobs, then the followers' records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, exists, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col, select

from tradedesk.domain.copying.model import CopiedTrade, CopyReason, CopyStatus, SignalCopy
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.numbers import as_float
from tradedesk.domain.strategies.model import Signal, SignalAction, SignalEntry
from tradedesk.domain.trading.model import StopTriggerType
from tradedesk.persistence.keyset import older_than
from tradedesk.persistence.leases import count_pending, hold, lease_due, renew
from tradedesk.persistence.tables import SignalCopyRow, SignalRow, StrategyRow


class SqlSignalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, signal: Signal, *, created_by: str) -> None:
        assert signal.created_at is not None
        self._session.add(
            SignalRow(
                id=signal.id,
                strategy_id=signal.strategy_id,
                action=signal.action.value,
                side=None if signal.side is None else signal.side.value.upper(),
                entry_type=signal.entry_type.value,
                price=signal.price,
                stop_price=signal.stop_price,
                stop_type=signal.stop_type.value,
                take_profit_prices=json.dumps([str(p) for p in signal.take_profit_prices]),
                callback_rate=signal.callback_rate,
                reference_price=signal.reference_price,
                breakeven_after=signal.breakeven_after,
                created_by=created_by,
                created_at=signal.created_at,
            )
        )
        await self._session.flush()

    async def exists(self, signal_id: str) -> bool:
        return await self._session.get(SignalRow, signal_id) is not None

    async def next_sequence(self, strategy_id: str) -> int:
        numbered = await self._session.execute(
            update(StrategyRow)
            .where(col(StrategyRow.id) == strategy_id)
            .values(signals_published=col(StrategyRow.signals_published) + 1)
            .returning(col(StrategyRow.signals_published))
            .execution_options(synchronize_session=False)
        )
        return int(numbered.scalar_one())

    async def get(self, signal_id: str) -> Signal:
        return _signal(await self._session.get_one(SignalRow, signal_id))

    async def published_counts(self, strategy_ids: list[str]) -> dict[str, int]:
        rows = await self._session.execute(
            select(col(StrategyRow.id), col(StrategyRow.signals_published)).where(
                col(StrategyRow.id).in_(strategy_ids)
            )
        )
        return {strategy_id: count for strategy_id, count in rows}

    async def latest_open(self, strategy_id: str) -> Signal | None:
        row = await self._session.scalar(
            select(SignalRow)
            .where(
                col(SignalRow.strategy_id) == strategy_id,
                col(SignalRow.action) == SignalAction.OPEN.value,
            )
            .order_by(col(SignalRow.created_at).desc(), col(SignalRow.id).desc())
            .limit(1)
        )
        return None if row is None else _signal(row)


def _signal(row: SignalRow) -> Signal:
    return Signal(
        id=row.id,
        strategy_id=row.strategy_id,
        action=SignalAction(row.action),
        side=None if row.side is None else OrderSide(row.side.lower()),
        entry_type=SignalEntry(row.entry_type),
        price=row.price,
        stop_price=row.stop_price,
        stop_type=StopTriggerType(row.stop_type),
        take_profit_prices=tuple(Decimal(p) for p in json.loads(row.take_profit_prices)),
        callback_rate=row.callback_rate,
        reference_price=row.reference_price,
        breakeven_after=row.breakeven_after,
        created_at=row.created_at,
    )


class SqlCopyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, copies: list[SignalCopy]) -> None:
        self._session.add_all(
            SignalCopyRow(
                id=copy.id,
                signal_id=copy.signal_id,
                follow_id=copy.follow_id,
                user_id=copy.user_id,
                key_id=copy.key_id,
                symbol=copy.symbol,
                risk_profile_percent=copy.risk_profile_percent,
                status=copy.status.value,
                sequence=copy.sequence,
                not_before=copy.created_at,
                created_at=copy.created_at,
                updated_at=copy.updated_at,
            )
            for copy in copies
        )
        await self._session.flush()

    async def lease_pending(
        self, *, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[SignalCopy]:
        earlier = aliased(SignalCopyRow)
        no_earlier_copy_pending = ~exists().where(  # (sequence, id): a total order
            col(earlier.follow_id) == col(SignalCopyRow.follow_id),
            col(earlier.status) == CopyStatus.PENDING.value,
            tuple_(col(earlier.sequence), col(earlier.id))
            < tuple_(col(SignalCopyRow.sequence), col(SignalCopyRow.id)),
        )
        rows = await lease_due(
            self._session,
            SignalCopyRow,
            oldest_first=SignalCopyRow.created_at,
            token=token,
            now=now,
            lease=lease,
            limit=limit,
            ready=no_earlier_copy_pending,
        )
        return [_copy(row) for row in rows]

    async def renew(self, *, token: str, until: datetime) -> set[str]:
        return await renew(self._session, SignalCopyRow, token=token, until=until)

    async def hold(self, *, token: str, ids: list[str]) -> set[str]:
        return await hold(self._session, SignalCopyRow, token=token, ids=ids)

    async def count_pending(self) -> int:
        return await count_pending(self._session, SignalCopyRow)

    async def retry_many(self, due: list[tuple[str, datetime]]) -> None:
        if not due:
            return
        table = SQLModel.metadata.tables["signal_copies"]
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("copy_id"))
            .values(not_before=bindparam("when"), lease_owner=None, lease_until=None),
            [{"copy_id": copy_id, "when": when} for copy_id, when in due],
        )

    async def finish_many(self, copies: list[SignalCopy]) -> None:
        if not copies:
            return
        table = SQLModel.metadata.tables["signal_copies"]
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("copy_id"), table.c.status == CopyStatus.PENDING.value)
            .values(
                status=bindparam("new_status"),
                reason=bindparam("new_reason"),
                reason_code=bindparam("new_reason_code"),
                order_id=bindparam("new_order_id"),
                price=bindparam("new_price"),
                amount=bindparam("new_amount"),
                cost=bindparam("new_cost"),
                leverage=bindparam("new_leverage"),
                latency_ms=bindparam("new_latency_ms"),
                slippage_bps=bindparam("new_slippage_bps"),
                lease_owner=None,
                lease_until=None,
                updated_at=bindparam("new_updated_at"),
            ),
            [
                {
                    "copy_id": copy.id,
                    "new_status": copy.status.value,
                    "new_reason": None if copy.reason is None else copy.reason[:255],
                    "new_reason_code": None if copy.reason_code is None else copy.reason_code.value,
                    "new_order_id": copy.order_id,
                    "new_price": _decimal(copy.price),
                    "new_amount": _decimal(copy.amount),
                    "new_cost": _decimal(copy.cost),
                    "new_leverage": copy.leverage,
                    "new_latency_ms": copy.latency_ms,
                    "new_slippage_bps": _decimal(copy.slippage_bps),
                    "new_updated_at": copy.updated_at,
                }
                for copy in copies
            ],
        )

    async def of_user(self, user_id: str, limit: int) -> list[SignalCopy]:
        rows = await self._session.scalars(
            select(SignalCopyRow)
            .where(col(SignalCopyRow.user_id) == user_id)
            .order_by(col(SignalCopyRow.created_at).desc(), col(SignalCopyRow.id).desc())
            .limit(limit)
        )
        return [_copy(row) for row in rows]

    async def of_signal(self, signal_id: str) -> list[SignalCopy]:
        rows = await self._session.scalars(
            select(SignalCopyRow)
            .where(col(SignalCopyRow.signal_id) == signal_id)
            .order_by(col(SignalCopyRow.created_at), col(SignalCopyRow.id))
            .execution_options(populate_existing=True)
        )
        return [_copy(row) for row in rows]

    async def placed_page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[CopiedTrade]:
        query = (
            select(SignalCopyRow, SignalRow, StrategyRow)
            .join(SignalRow, col(SignalRow.id) == col(SignalCopyRow.signal_id))
            .join(StrategyRow, col(StrategyRow.id) == col(SignalRow.strategy_id))
            .where(
                col(SignalCopyRow.user_id) == user_id,
                col(SignalCopyRow.status) == CopyStatus.PLACED.value,
                col(SignalRow.action) == SignalAction.OPEN.value,
            )
        )
        if since is not None:
            query = query.where(col(SignalCopyRow.created_at) >= since)
        if before is not None:
            query = query.where(
                older_than(col(SignalCopyRow.created_at), col(SignalCopyRow.id), before)
            )
        rows = await self._session.execute(
            query.order_by(
                col(SignalCopyRow.created_at).desc(), col(SignalCopyRow.id).desc()
            ).limit(limit)
        )
        return [
            CopiedTrade(
                id=copy.id,
                order_id=copy.order_id,
                price=as_float(copy.price),
                amount=as_float(copy.amount),
                cost=as_float(copy.cost),
                stop=as_float(signal.stop_price),
                stop_type=signal.stop_type,
                take_profit=tuple(float(p) for p in json.loads(signal.take_profit_prices)),
                leverage=copy.leverage,
                callback_rate=as_float(signal.callback_rate),
                risk_profile_percent=float(copy.risk_profile_percent),
                created_at=copy.created_at,
                strategy_name=strategy.name,
                exchange_id=strategy.exchange_id,
                symbol=strategy.symbol,
                trade_side=signal.side or "",
            )
            for copy, signal, strategy in rows
        ]


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _copy(row: SignalCopyRow) -> SignalCopy:
    return SignalCopy(
        id=row.id,
        signal_id=row.signal_id,
        follow_id=row.follow_id,
        user_id=row.user_id,
        key_id=row.key_id,
        symbol=row.symbol,
        risk_profile_percent=row.risk_profile_percent,
        status=CopyStatus(row.status),
        sequence=row.sequence,
        lease=row.lease_owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        reason=row.reason,
        reason_code=None if row.reason_code is None else CopyReason(row.reason_code),
        order_id=row.order_id,
        price=as_float(row.price),
        amount=as_float(row.amount),
        cost=as_float(row.cost),
        leverage=row.leverage,
        latency_ms=row.latency_ms,
        slippage_bps=as_float(row.slippage_bps),
    )
