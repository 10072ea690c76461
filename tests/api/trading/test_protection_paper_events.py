"""The embedded default (the in-process paper exchange) tells the keeper what happens the same
way Binance's user-data stream does: a stop that fires takes the rest of the trade with it
without a keeper pass run by hand."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.builders.trading import bought
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


async def test_a_paper_stop_that_fires_cancels_the_take_profit_at_once(alice, runtime):
    keeper, engine = runtime.services.protection, runtime.exchange.engine
    reacting = asyncio.create_task(keeper.react())
    try:
        await bought(alice)
        await keeper.tick()  # leases the trade and listens to its key
        assert len(engine.open_conditionals("alerts-paper", Kind.FUTURES)) == 2

        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18900))  # the stop fires

        for _ in range(200):
            if not engine.open_conditionals("alerts-paper", Kind.FUTURES):
                break
            await asyncio.sleep(0.01)
        assert engine.open_conditionals("alerts-paper", Kind.FUTURES) == []
        assert engine.account("alerts-paper").position("BTCUSDT").amount == 0
    finally:
        reacting.cancel()
