"""Idempotency claims: one winner per key, and a claim its process abandoned can be taken over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradedesk.domain.trading.model import Claim, ManualTrade
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.asyncio
NOW = datetime(2022, 10, 14, 19, 37, tzinfo=UTC)


async def claim(uow_factory, trade_id: str, now: datetime) -> Claim:
    async with uow_factory() as uow:
        await uow.users.ensure(user_id="u1", subject="s1", email=None, name=None, now=NOW)
        won = await uow.manual_trades.claim(
            trade_id=trade_id, user_id="u1", key_id="k1", symbol="BTC/USDT",
            idempotency_key="retry-me", now=now,
        )  # fmt: skip
        await uow.commit()
        return won


async def test_a_pending_claim_is_taken_over_only_once_stale(runtime):
    factory = make_session_factory(runtime.engine)

    def uow_factory():
        return SqlUnitOfWork(factory)

    assert await claim(uow_factory, "t1", NOW) is Claim.FIRST
    assert await claim(uow_factory, "t2", NOW + timedelta(seconds=30)) is Claim.HELD
    assert await claim(uow_factory, "t3", NOW + timedelta(minutes=3)) is Claim.TAKEN_OVER


async def test_a_holder_whose_claim_was_taken_over_records_nothing(runtime):
    factory = make_session_factory(runtime.engine)

    def uow_factory():
        return SqlUnitOfWork(factory)

    await claim(uow_factory, "slow", NOW)
    await claim(uow_factory, "taker", NOW + timedelta(minutes=3))

    async def complete(trade_id: str) -> bool:
        trade = ManualTrade(
            id=trade_id, order_id=f"order-{trade_id}", price=19700.0, amount=0.01, cost=197.0,
            stop=None, stop_type=None, take_profit=(), callback_rate=None,
            risk_profile_percent=None, created_at=NOW,
        )  # fmt: skip
        async with uow_factory() as uow:
            done = await uow.manual_trades.complete(
                trade, user_id="u1", key_id="k1", symbol="BTC/USDT", orders=[], claimed=True
            )
            await uow.commit()
            return done

    assert await complete("taker") is True
    assert await complete("slow") is False  # its claim is gone: it writes nothing
    async with uow_factory() as uow:
        [row] = await uow.manual_trades.page("u1", since=None, before=None, limit=10)
    assert row.order_id == "order-taker"
