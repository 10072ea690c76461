"""The default price walk stays calm enough for resting orders to survive a test run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.simulator.engines import FUT, exchange
from tradedesk.simulator.feeds import WalkFeed


@pytest.mark.parametrize("seed", range(5))
def test_ten_minutes_move_every_market_less_than_half_a_percent(seed):
    engine = exchange()
    start = {key: engine.price(*key) for key in engine.markets}
    feed = WalkFeed(engine, seed=seed)

    for _ in range(600):  # ten minutes of one-second steps
        feed.step()
        for key, first in start.items():
            assert abs(engine.price(*key) / first - 1) < Decimal("0.005")

    assert any(engine.price(*key) != first for key, first in start.items())


def test_prices_stay_on_the_tick_grid():
    engine = exchange()
    feed = WalkFeed(engine, seed=1)
    for _ in range(50):
        feed.step()

    for (kind, symbol), market in engine.markets.items():
        assert engine.price(kind, symbol) % market.tick_size == 0


def test_the_same_seed_walks_the_same_path():
    first, second = exchange(), exchange()
    for engine in (first, second):
        feed = WalkFeed(engine, seed=3)
        for _ in range(20):
            feed.step()

    assert all(first.price(*key) == second.price(*key) for key in first.markets)


def test_a_held_symbol_stays_where_it_was_set():
    engine = exchange()
    feed = WalkFeed(engine, seed=1)
    feed.hold("BTCUSDT")

    for _ in range(50):
        feed.step()

    assert engine.price(FUT, "BTCUSDT") == Decimal(20000)
    assert engine.price(FUT, "ETHUSDT") != Decimal(1300)
