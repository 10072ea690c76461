"""Superseding a key's trades on a symbol closes exactly those, with the reason, and is a
no-op (no write) where none is open."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlmodel import select

from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.model import ProtectedTrade
from tradedesk.integrations.secret_box import FernetSecretBox
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.tables import ProtectedTradeRow
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.asyncio
NOW = datetime(2022, 10, 14, 19, 37, tzinfo=UTC)
PLAN = ExitPlan(
    side=OrderSide.BUY,
    amount=Decimal("0.01"),
    take_profit_prices=(),
    stop_trigger_price=Decimal(19000),
    stop_price=None,
)


async def test_closing_a_keys_symbol_closes_its_open_trades_and_no_other(runtime, tmp_path):
    factory = make_session_factory(runtime.engine)
    box = FernetSecretBox.local(tmp_path)
    async with SqlUnitOfWork(factory) as uow:
        user = await uow.users.ensure(user_id="u1", subject="s1", email=None, name=None, now=NOW)
        for key_id in ("k1", "k2"):
            key = ExchangeKey(
                id=key_id, user_id=user, exchange_id=ExchangeId.BINANCE,
                trade_type=TradeType.FUTURES, strategy_type=StrategyType.MANUAL, name=key_id,
                api_key=f"api-{key_id}", api_key_status=ApiKeyStatus.AUTHORIZED, active=True,
                ip_restricted=True, created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            await uow.exchange_keys.add(key, box.seal("secret"), balance_usd=0, checked_at=NOW)
        trades = {
            name: ProtectedTrade(
                id=name,
                user_id=user,
                key_id=key_id,
                symbol=symbol,
                prefix=f"td{uuid.uuid4().hex[:22]}",
                plan=PLAN,
            )
            for name, key_id, symbol in [
                ("replaced", "k1", "BTC/USDT"),
                ("other symbol", "k1", "ETH/USDT"),
                ("other key", "k2", "BTC/USDT"),
            ]
        }
        await uow.protected_trades.add_many(list(trades.values()), now=NOW)
        await uow.commit()

    updates: list[str] = []

    def count_updates(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count_updates)
    for _ in range(2):  # the second finds none open: it reads, and writes nothing
        async with SqlUnitOfWork(factory) as uow:
            await uow.protected_trades.close_all("k1", "BTC/USDT", reason="superseded", now=NOW)
            await uow.commit()
    event.remove(runtime.engine.sync_engine, "before_cursor_execute", count_updates)

    async with SqlUnitOfWork(factory) as uow:
        rows = await uow.session.scalars(select(ProtectedTradeRow))
        states = {row.id: (row.open, row.closed_reason) for row in rows}
    assert len(updates) == 1
    assert states == {
        "replaced": (False, "superseded"),
        "other symbol": (True, None),
        "other key": (True, None),
    }
