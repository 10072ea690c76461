"""Amounts and prices rounded to a market's steps before an order leaves the process."""

from __future__ import annotations

from decimal import Decimal

from tests.builders.markets import BTC


def test_amounts_round_down_to_whole_lot_steps():
    assert BTC.round_amount(Decimal("0.0259")) == Decimal("0.025")
    assert BTC.round_amount(Decimal("0.025")) == Decimal("0.025")
    assert BTC.round_amount(Decimal("0.0009")) == 0


def test_prices_round_to_the_nearest_tick():
    assert BTC.round_price(Decimal("19250.04")) == Decimal("19250.0")
    assert BTC.round_price(Decimal("19250.05")) == Decimal("19250.1")
