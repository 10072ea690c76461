"""A paper exchange on hand-set prices with two funded accounts, and the shorthands the
engine's tests share."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.markets import Kind, default_markets
from tradedesk.simulator.orders import ConditionalOrder, OrderType, Side, TriggerType

SPOT, FUT = Kind.SPOT, Kind.FUTURES
BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT = OrderType.MARKET, OrderType.LIMIT


class Ticks:
    def __init__(self) -> None:
        self.now = 1_666_000_000_000

    def __call__(self) -> int:
        self.now += 1
        return self.now


def exchange(markets=None) -> PaperExchange:
    prices = {
        (kind, f"{base}USDT"): D(price)
        for kind in (SPOT, FUT)
        for base, price in (("BTC", "20000"), ("ETH", "1300"), ("BNB", "275"))
    }
    engine = PaperExchange(markets or default_markets(), prices=prices, now_ms=Ticks())
    engine.add_account("key", "secret", usdt=D(10000))
    engine.add_account("other", "secret2", usdt=D(10000))
    return engine


def code_of(call) -> int:
    with pytest.raises(ExchangeError) as raised:
        call()
    return raised.value.code


def long_with_stop(engine: PaperExchange, trigger: str = "19000") -> ConditionalOrder:
    """The account "key" long 0.1 BTC, with a reduce-only stop-market of all of it."""
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    return engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TriggerType.STOP_MARKET,
        trigger_price=D(trigger),
        quantity=D("0.1"),
        reduce_only=True,
    )
