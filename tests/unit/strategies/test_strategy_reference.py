"""A strategy's reference trade: rungs and stop realised at the prices the market reaches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

from tradedesk.domain.catalog.model import TradeSide
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.strategies.model import ReferenceTrade

OPENED = datetime(2022, 10, 19, tzinfo=UTC)


def trade(side: OrderSide, entry: str, stop: str, *take_profits: str) -> ReferenceTrade:
    return ReferenceTrade(
        strategy_id="s",
        side=side,
        entry_price=D(entry),
        stop_price=D(stop),
        take_profits=tuple(D(p) for p in take_profits),
        rungs=len(take_profits),
        opened_at=OPENED,
    )


def test_a_rung_then_the_stop():
    long = trade(OrderSide.BUY, "19700", "19500", "20000", "20100")

    half = long.at_price(D(20050))  # the first rung: half at +1.5 R
    done = half.at_price(D(19400))  # the rest at the stop: -1 R

    assert (half.open_share, half.result) == (D("0.5"), D("0.0075"))
    assert (done.open_share, done.result) == (0, D("0.0025"))
    closed = done.closed(OPENED)
    assert (closed.side, closed.exit_price, closed.result) == (TradeSide.LONG, 19750.0, 0.0025)


def test_a_short_whose_three_rungs_fill_at_once_closes_whole():
    short = trade(OrderSide.SELL, "20000", "20200", "19800", "19700", "19600")

    done = short.at_price(D(19500))

    assert done.open_share == 0 and done.take_profits == ()
    assert (
        done.result
        == D("0.01") * (D(1) / 3 * 1 + D(1) / 3 * D("1.5")) + D("0.01") * (1 - 2 * (D(1) / 3)) * 2
    )  # 1 R, 1.5 R and 2 R on a third each


def test_a_price_between_entry_and_the_levels_changes_nothing():
    long = trade(OrderSide.BUY, "19700", "19500", "20000")

    assert long.at_price(D(19800)) == long


def test_a_limit_entry_waits_for_the_market_to_reach_it():
    waiting = replace(trade(OrderSide.BUY, "19600", "19400", "20000"), filled=False)

    above = waiting.at_price(D(19650))  # not down to the limit yet: nothing traded
    stopped = waiting.at_price(D(19300))  # through the limit and the stop at once
    filled = waiting.at_price(D(19600))

    assert above == waiting
    assert (filled.filled, filled.open_share, filled.result) == (True, 1, 0)
    assert (stopped.filled, stopped.open_share, stopped.result) == (True, 0, D("-0.01"))
