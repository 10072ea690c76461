"""A trade's exits: how the ladder splits an amount and how legs are named on the exchange."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from tests.builders.markets import BTC
from tradedesk.domain.errors import BusinessRuleViolation
from tradedesk.domain.market.exchange import OrderSide, OrderType
from tradedesk.domain.trading.exits import (
    STOP,
    TRAIL,
    ExitPlan,
    entry_id,
    initial_legs,
    ladder_sizes,
    leg_id,
    leg_of,
    rung_name,
)


@pytest.mark.parametrize(
    ("count", "amount", "sizes"),
    [
        (2, "0.05", ["0.025", "0.025"]),
        (3, "0.05", ["0.016", "0.016", "0.018"]),  # the remainder on the last rung
        (3, "0.002", ["0.001", "0.001", "0"]),  # too small for all: the first rungs take it
        (2, "0", ["0", "0"]),
        (0, "0.05", []),
    ],
)
def test_the_ladder_splits_equally_by_lot_step(count, amount, sizes):
    assert ladder_sizes(count, D(amount), BTC) == [D(size) for size in sizes]


def test_a_strict_ladder_refuses_rungs_below_the_minimum():
    with pytest.raises(BusinessRuleViolation):
        ladder_sizes(3, D("0.002"), BTC, strict=True)


def test_legs_are_found_by_their_client_order_ids():
    prefix = "td0123456789abcdef012345"

    assert [leg_of(prefix, leg_id(prefix, leg, gen)) for leg, gen in
            [(rung_name(1), 0), (rung_name(12), 3), (STOP, 0), (STOP, 41), (TRAIL, 0),
             (TRAIL, 2)]] == [
        "takeProfit[1]", "takeProfit[12]", STOP, STOP, TRAIL, TRAIL,
    ]  # fmt: skip
    assert leg_of(prefix, entry_id(prefix)) is None
    assert leg_of(prefix, f"{prefix}c") is None  # the order that cleared the symbol
    assert leg_of("td_another_trade_prefix0", leg_id(prefix, STOP)) is None
    assert len(leg_id(prefix, rung_name(25), 99999)) <= 36  # Binance's limit


def test_a_callback_rate_adds_a_trailing_stop_from_the_first_take_profit():
    plan = ExitPlan(
        side=OrderSide.BUY,
        amount=D("0.1"),
        take_profit_prices=(D(20000), D(20100)),
        stop_trigger_price=D(19500),
        stop_price=None,
        callback_rate=D("0.8"),
    )

    legs = dict(initial_legs(plan, BTC, symbol="BTC/USDT", prefix="p", filled=D("0.1"),
                             entry_open=False))  # fmt: skip
    without_ladder = dict(
        initial_legs(replace(plan, take_profit_prices=()), BTC, symbol="BTC/USDT", prefix="p",
                     filled=D("0.1"), entry_open=False)
    )  # fmt: skip

    assert list(legs) == [rung_name(1), rung_name(2), STOP, TRAIL]
    trail = legs[TRAIL]
    assert (trail.type, trail.side, trail.amount, trail.reduce_only) == (
        OrderType.TRAILING_STOP_MARKET, OrderSide.SELL, D("0.1"), True
    )  # fmt: skip
    assert (trail.callback_rate, trail.activation_price, trail.client_order_id) == (
        D("0.8"), D(20000), "pw"
    )  # fmt: skip
    assert without_ladder[TRAIL].activation_price is None  # trails from the start


@pytest.mark.parametrize(
    ("cap", "conditional_rungs"),
    [(10, 5), (4, 3), (None, 5)],  # None: the venue lists no cap per symbol
)
def test_rungs_are_conditional_where_the_symbols_cap_leaves_room(cap, conditional_rungs):
    plan = ExitPlan(
        side=OrderSide.BUY,
        amount=D("0.5"),
        take_profit_prices=tuple(D(20000 + 100 * n) for n in range(5)),
        stop_trigger_price=D(19500),
        stop_price=None,
    )

    legs = initial_legs(plan, replace(BTC, max_algo_orders=cap), symbol="BTC/USDT",
                        prefix="p", filled=D("0.5"), entry_open=False)  # fmt: skip

    rungs = [request for leg, request in legs if leg != STOP]
    assert sum(request.type.conditional for request in rungs) == conditional_rungs
    assert [request.type for request in rungs[conditional_rungs:]] == [OrderType.LIMIT] * (
        5 - conditional_rungs
    )
