"""A trade's exits: how the ladder splits an amount and how legs are named on the exchange."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.domain.test_market_rules import BTC
from tradedesk.domain.errors import BusinessRuleViolation
from tradedesk.domain.exits import STOP, entry_id, ladder_sizes, leg_id, leg_of, rung_name


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
            [(rung_name(1), 0), (rung_name(12), 3), (STOP, 0), (STOP, 41)]] == [
        "takeProfit[1]", "takeProfit[12]", STOP, STOP,
    ]  # fmt: skip
    assert leg_of(prefix, entry_id(prefix)) is None
    assert leg_of(prefix, f"{prefix}c") is None  # the order that cleared the symbol
    assert leg_of("td_another_trade_prefix0", leg_id(prefix, STOP)) is None
    assert len(leg_id(prefix, rung_name(25), 99999)) <= 36  # Binance's limit
