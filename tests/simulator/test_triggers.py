"""Stops, take profits and trailing stops on replayed prices."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.simulator.engines import BUY, FUT, LIMIT, MARKET, SELL, code_of, exchange
from tradedesk.simulator.engine import ALGO_IDS_FROM
from tradedesk.simulator.events import Execution, OrderChanged
from tradedesk.simulator.feeds import ReplayFeed
from tradedesk.simulator.orders import AlgoStatus, MarginType, OrderType, Status, TriggerType

STOP_MARKET = TriggerType.STOP_MARKET
TP_MARKET = TriggerType.TAKE_PROFIT_MARKET
TRAILING = TriggerType.TRAILING_STOP_MARKET
LIQUIDATION = OrderType.LIQUIDATION


@pytest.fixture
def engine():
    """An account long 0.1 BTC at 20,000 with 10x leverage."""
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 10)
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    return engine


def replay(engine, *prices):
    return ReplayFeed(engine, FUT, "BTCUSDT", prices).play()


def test_a_stop_market_sells_when_the_price_falls_to_it(engine):
    stop = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=STOP_MARKET,
        quantity=D("0.1"),
        trigger_price=D(19500),
        reduce_only=True,
    )

    assert replay(engine, "19800", "19600") == []
    [fill] = replay(engine, "19500")

    assert stop.status is AlgoStatus.FINISHED
    assert (fill.price, fill.realized_pnl, fill.commission) == (D(19500), D(-50), D("0.78"))
    assert engine.account("key").position("BTCUSDT").amount == 0
    [order] = [o for o in engine.orders("key", FUT) if o.order_id == stop.order_id]
    assert order.client_order_id == stop.client_algo_id


def test_a_stop_that_would_trigger_at_once_is_refused(engine):
    assert (
        code_of(
            lambda: engine.place_conditional(
                "key",
                FUT,
                "BTCUSDT",
                side=SELL,
                type=STOP_MARKET,
                quantity=D("0.1"),
                trigger_price=D(20500),
            )
        )
        == -2021
    )


def test_a_take_profit_market_closes_the_whole_position(engine):
    take_profit = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TP_MARKET,
        trigger_price=D(21000),
        close_position=True,
    )
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.05"))

    [fill] = replay(engine, "20500", "21000")

    assert take_profit.status is AlgoStatus.FINISHED
    assert fill.qty == D("0.15") and fill.price == D(21000)
    assert engine.account("key").position("BTCUSDT").amount == 0


def test_a_take_profit_limit_rests_at_its_price_once_triggered(engine):
    take_profit = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TriggerType.TAKE_PROFIT,
        quantity=D("0.1"),
        trigger_price=D(21000),
        price=D(21100),
        reduce_only=True,
    )

    assert replay(engine, "21000") == []
    [order] = [o for o in engine.open_orders("key", FUT) if o.order_id == take_profit.order_id]
    assert (order.type, order.price) == (OrderType.LIMIT, D(21100))
    [fill] = replay(engine, "21150")

    assert (fill.price, fill.maker) == (D(21100), True)
    assert order.status is Status.FILLED


def test_a_stop_limit_buy_protects_a_short():
    engine = exchange()
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))
    stop = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=BUY,
        type=TriggerType.STOP,
        quantity=D("0.1"),
        trigger_price=D(20500),
        price=D(20600),
        reduce_only=True,
    )

    [fill] = replay(engine, "20400", "20550")  # at 20,550 the 20,600 buy limit crosses

    assert stop.status is AlgoStatus.FINISHED
    assert (fill.price, fill.maker) == (D(20550), False)
    assert fill.realized_pnl == D(-55)


def test_a_trailing_stop_sells_on_a_pull_back_from_the_high(engine):
    trailing = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TRAILING,
        quantity=D("0.1"),
        callback_rate=D(1),
        reduce_only=True,
    )

    assert replay(engine, "20500", "21000", "20800") == []  # 1 % below 21,000 is 20,790
    [fill] = replay(engine, "20790")

    assert trailing.extreme == D(21000)
    assert fill.price == D(20790) and fill.realized_pnl == D(79)


def test_a_trailing_stop_waits_for_its_activation_price(engine):
    trailing = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TRAILING,
        quantity=D("0.1"),
        callback_rate=D(1),
        activation_price=D(20500),
        reduce_only=True,
    )

    assert replay(engine, "20300", "19000") == []  # not active yet: no trigger on a fall
    assert not trailing.activated
    assert replay(engine, "20500", "20300") == []  # active at 20,500; 1 % below is 20,295
    [fill] = replay(engine, "20290")

    assert fill.price == D(20290)


def test_a_trailing_buy_follows_the_low():
    engine = exchange()
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))
    engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=BUY,
        type=TRAILING,
        quantity=D("0.1"),
        callback_rate=D(2),
        reduce_only=True,
    )

    assert replay(engine, "19000", "19300") == []  # 2 % above 19,000 is 19,380
    [fill] = replay(engine, "19380")

    assert fill.realized_pnl == D(62)


def test_close_position_with_nothing_to_close_expires(engine):
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))
    stop = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=STOP_MARKET,
        trigger_price=D(19000),
        close_position=True,
    )

    assert replay(engine, "18900") == []
    assert stop.status is AlgoStatus.EXPIRED


def test_a_trigger_without_margin_is_rejected_instead_of_filling(engine):
    stop = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=BUY,
        type=STOP_MARKET,
        quantity=D(5),
        trigger_price=D(20100),
    )

    assert replay(engine, "20100") == []
    assert stop.status is AlgoStatus.REJECTED


def test_ten_open_conditionals_per_symbol_at_most(engine):
    for n in range(10):
        engine.place_conditional(
            "key",
            FUT,
            "BTCUSDT",
            side=SELL,
            type=STOP_MARKET,
            quantity=D("0.01"),
            trigger_price=D(19000 - n * 10),
            reduce_only=True,
        )

    assert (
        code_of(
            lambda: engine.place_conditional(
                "key",
                FUT,
                "BTCUSDT",
                side=SELL,
                type=STOP_MARKET,
                quantity=D("0.01"),
                trigger_price=D(18000),
                reduce_only=True,
            )
        )
        == -4045
    )


def test_cancelling_a_conditional(engine):
    stop = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=STOP_MARKET,
        quantity=D("0.1"),
        trigger_price=D(19500),
        reduce_only=True,
        client_algo_id="my-stop",
    )

    engine.cancel_conditional("key", FUT, "BTCUSDT", client_algo_id="my-stop")

    assert stop.status is AlgoStatus.CANCELED
    assert replay(engine, "19000") == []
    assert code_of(lambda: engine.cancel_conditional("key", FUT, "BTCUSDT", algo_id=999)) == -2011


@pytest.mark.parametrize("rate", ["0.05", "11"])
def test_the_callback_rate_is_bounded(engine, rate):
    assert (
        code_of(
            lambda: engine.place_conditional(
                "key",
                FUT,
                "BTCUSDT",
                side=SELL,
                type=TRAILING,
                quantity=D("0.1"),
                callback_rate=D(rate),
            )
        )
        == -1102
    )


def test_an_isolated_position_is_liquidated_at_its_liquidation_price():
    engine = exchange()
    engine.set_margin_type("key", "BTCUSDT", MarginType.ISOLATED)
    engine.set_leverage("key", "BTCUSDT", 10)
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    take_profit = engine.place_conditional(
        "key",
        FUT,
        "BTCUSDT",
        side=SELL,
        type=TP_MARKET,
        trigger_price=D(22000),
        close_position=True,
    )
    events = []
    engine.observers.append(lambda key, event: events.append(event))

    assert replay(engine, "18500", "18100") == []  # liquidation price is 18,072.29
    [fill] = replay(engine, "18072")

    account = engine.account("key")
    [liquidation] = [e for e in events if isinstance(e, OrderChanged) and e.fill is not None]
    assert fill.liquidation and liquidation.fill == fill
    assert (liquidation.order.type, liquidation.execution) == (LIQUIDATION, Execution.CALCULATED)
    assert (fill.side, fill.qty, fill.realized_pnl) == (SELL, D("0.1"), D("-192.8"))
    assert account.position("BTCUSDT").amount == 0
    assert account.futures_wallet == D(10000) - D("0.8") - D("192.8") - D("0.72288")
    assert take_profit.status is AlgoStatus.EXPIRED


def test_a_gap_through_the_liquidation_price_loses_no_more_than_the_margin():
    engine = exchange()
    engine.set_margin_type("key", "BTCUSDT", MarginType.ISOLATED)
    engine.set_leverage("key", "BTCUSDT", 10)
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))

    [fill] = replay(engine, "25000")  # far beyond the short's 21,912.35

    assert fill.realized_pnl == D(-200)  # the isolated margin, not the 500 the gap implies


def test_algo_ids_and_order_ids_never_name_the_same_order(engine):
    plain = engine.place_order(
        "key", FUT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19_000)
    )
    stop = engine.place_conditional(
        "key", FUT, "BTCUSDT", side=SELL, type=STOP_MARKET, quantity=D("0.1"),
        trigger_price=D(18_000), reduce_only=True,
    )  # fmt: skip
    assert stop.algo_id >= ALGO_IDS_FROM > plain.order_id
    # a plain order's id names no algo order, and an algo id no plain order
    assert (
        code_of(lambda: engine.cancel_conditional("key", FUT, "BTCUSDT", algo_id=plain.order_id))
        == -2011
    )
    assert (
        code_of(lambda: engine.cancel_order("key", FUT, "BTCUSDT", order_id=stop.algo_id)) == -2011
    )
    assert stop.status is AlgoStatus.NEW and plain.status is Status.NEW
