"""What the engine announces, in order: the facts a user-data stream carries."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.simulator.engines import BUY, FUT, LIMIT, MARKET, SELL, SPOT, code_of, exchange
from tradedesk.simulator.events import (
    AccountChanged,
    ConditionalChanged,
    Execution,
    ExpireReason,
    OrderChanged,
)
from tradedesk.simulator.feeds import ReplayFeed
from tradedesk.simulator.orders import AlgoStatus, MarginType, Status, TriggerType

STOP_MARKET, TP = TriggerType.STOP_MARKET, TriggerType.TAKE_PROFIT_MARKET


@pytest.fixture
def engine():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 10)
    return engine


@pytest.fixture
def events(engine):
    seen = []
    engine.observers.append(lambda key, event: seen.append((key, event)))
    return seen


def steps(events, key="key"):
    """Each event of `key` as a short tuple: what a reader of the stream would act on."""
    shown = []
    for owner, event in events:
        if owner != key:
            continue
        match event:
            case OrderChanged(order=order, execution=execution):
                shown.append(("order", order.order_id, execution, order.status))
            case ConditionalChanged(conditional=conditional):
                shown.append(("algo", conditional.algo_id, conditional.status))
            case AccountChanged(positions=positions):
                shown.append(("account", *[f.position.amount for f in positions]))
    return shown


def limit(engine, side, price, **extra):
    return engine.place_order(
        "key", FUT, "BTCUSDT", side=side, type=LIMIT, quantity=D("0.1"), price=D(price), **extra
    )


def stop(engine, **overrides):
    fields = {"side": SELL, "type": STOP_MARKET, "trigger_price": D(19500), "quantity": D("0.1")}
    fields |= {"reduce_only": True} | overrides
    return engine.place_conditional("key", FUT, "BTCUSDT", **fields)


def test_a_market_order_is_new_then_traded_then_moves_the_account(engine, events):
    order = engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))

    assert steps(events) == [
        ("order", order.order_id, Execution.NEW, Status.NEW),
        ("order", order.order_id, Execution.TRADE, Status.FILLED),
        ("account", D("0.1")),
    ]
    traded, account = events[1][1], events[2][1]
    assert traded.fill.qty == D("0.1") and traded.fill.price == D(20000)
    assert account.reason == "ORDER" and account.wallet == D(10000) - D("0.8")
    assert account.positions[0].position.entry_price == D(20000)


def test_events_keep_the_moment_they_describe(engine, events):
    order = limit(engine, BUY, 19000)
    engine.cancel_order("key", FUT, "BTCUSDT", order_id=order.order_id)

    assert steps(events) == [
        ("order", order.order_id, Execution.NEW, Status.NEW),
        ("order", order.order_id, Execution.CANCELED, Status.CANCELED),
    ]


def test_a_stop_announces_every_step_from_trigger_to_finished(engine, events):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    placed = stop(engine)
    events.clear()

    ReplayFeed(engine, FUT, "BTCUSDT", ["19500"]).play()

    algo, order = placed.algo_id, placed.order_id
    assert steps(events) == [
        ("algo", algo, AlgoStatus.TRIGGERING),
        ("algo", algo, AlgoStatus.TRIGGERED),
        ("order", order, Execution.NEW, Status.NEW),
        ("order", order, Execution.TRADE, Status.FILLED),
        ("account", D(0)),
        ("algo", algo, AlgoStatus.FINISHED),
    ]
    assert events[1][1].conditional.order_id == order


def test_a_trigger_refused_for_margin_ends_rejected_with_the_reason(engine, events):
    placed = stop(engine, side=BUY, trigger_price=D(20100), quantity=D(5), reduce_only=False)

    ReplayFeed(engine, FUT, "BTCUSDT", ["20100"]).play()

    assert steps(events)[-2:] == [
        ("algo", placed.algo_id, AlgoStatus.TRIGGERING),
        ("algo", placed.algo_id, AlgoStatus.REJECTED),
    ]
    assert events[-1][1].reject_reason == "Margin is insufficient."
    assert engine.open_orders("key", FUT) == [] and placed.order_id is None


def test_rejections_asked_for_hit_only_that_many_triggers(engine, events):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.2"))
    first = stop(engine)
    second = stop(engine, trigger_price=D(19400))
    engine.rejecting_triggers["BTCUSDT"] = 1

    ReplayFeed(engine, FUT, "BTCUSDT", ["19500", "19400"]).play()

    assert (first.status, second.status) == (AlgoStatus.REJECTED, AlgoStatus.FINISHED)
    assert engine.account("key").position("BTCUSDT").amount == D("0.1")


def test_a_closed_position_expires_its_good_till_position_closes_orders(engine, events):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    kept = stop(engine, trigger_price=D(19000))
    ended = stop(engine, time_in_force="GTE_GTC")
    take_profit = limit(engine, SELL, 21000, reduce_only=True, time_in_force="GTE_GTC")
    events.clear()

    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))

    assert (take_profit.status, ended.status, kept.status) == (
        Status.EXPIRED,
        AlgoStatus.EXPIRED,
        AlgoStatus.NEW,
    )
    [expiry] = [e for _, e in events if isinstance(e, OrderChanged) and e.order == take_profit]
    assert (expiry.execution, expiry.expire_reason) == (
        Execution.EXPIRED,
        ExpireReason.POSITION_CLOSED,
    )


def test_a_client_id_in_use_by_an_open_order_is_refused_until_it_closes(engine):
    first = limit(engine, BUY, 19000, client_order_id="entry-1")
    assert code_of(lambda: limit(engine, BUY, 19000, client_order_id="entry-1")) == -4116
    engine.place_order(  # another account may use it
        "other",
        FUT,
        "BTCUSDT",
        side=BUY,
        type=MARKET,
        quantity=D("0.1"),
        client_order_id="entry-1",
    )
    engine.cancel_order("key", FUT, "BTCUSDT", order_id=first.order_id)

    assert limit(engine, BUY, 19000, client_order_id="entry-1").order_id != first.order_id


def test_a_client_algo_id_in_use_by_an_open_conditional_is_refused(engine):
    stop(engine, client_algo_id="stop-1")

    assert code_of(lambda: stop(engine, client_algo_id="stop-1", trigger_price=D(19400))) == -4116


def test_the_account_wide_cap_on_open_conditionals(engine):
    engine.max_open_conditionals = 2
    stop(engine)
    engine.place_conditional(
        "key",
        FUT,
        "ETHUSDT",
        side=SELL,
        type=TP,
        trigger_price=D(1400),
        quantity=D(1),
        reduce_only=True,
    )

    assert code_of(lambda: stop(engine, trigger_price=D(19400))) == -4045


def test_a_liquidation_is_the_venues_own_order(engine, events):
    engine.set_margin_type("key", "BTCUSDT", MarginType.ISOLATED)
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    events.clear()

    ReplayFeed(engine, FUT, "BTCUSDT", ["18000"]).play()  # liquidated at 18,072.29

    [(_, liquidation)] = [
        (k, e) for k, e in events if isinstance(e, OrderChanged) and e.fill is not None
    ]
    assert liquidation.execution is Execution.CALCULATED
    assert liquidation.order.client_order_id.startswith("autoclose-")
    assert liquidation.order in engine.orders("key", FUT, "BTCUSDT")
    assert isinstance(events[-1][1], AccountChanged)
    assert events[-1][1].positions[0].position.amount == 0


def test_orders_a_closed_position_expired_do_not_fill_later_in_the_same_move(engine, events):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    first, second = (limit(engine, SELL, p, time_in_force="GTE_GTC") for p in (20100, 20200))
    stops = [stop(engine, trigger_price=D(p), time_in_force="GTE_GTC") for p in (19500, 19400)]

    ReplayFeed(engine, FUT, "BTCUSDT", ["20300"]).play()  # both limits crossed

    assert (first.status, second.status) == (Status.FILLED, Status.EXPIRED)
    assert engine.account("key").position("BTCUSDT").amount == 0
    assert [s.status for s in stops] == [AlgoStatus.EXPIRED, AlgoStatus.EXPIRED]
    ReplayFeed(engine, FUT, "BTCUSDT", ["19300"]).play()
    assert [s.status for s in stops] == [AlgoStatus.EXPIRED, AlgoStatus.EXPIRED]


def test_good_till_position_closes_needs_a_position_or_open_orders(engine):
    assert code_of(lambda: stop(engine, time_in_force="GTE_GTC")) == -4509


def test_orders_and_conditionals_share_one_client_id_namespace(engine):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    limit(engine, SELL, 21000, reduce_only=True, client_order_id="x")
    stop(engine, client_algo_id="y")

    assert code_of(lambda: stop(engine, client_algo_id="x")) == -4116
    assert code_of(lambda: limit(engine, BUY, 19000, client_order_id="y")) == -4116
    # spot knows nothing of futures' ids
    engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.01"), client_order_id="x"
    )


def test_a_triggered_order_carries_the_conditional_that_placed_it(engine, events):
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    placed = stop(engine)

    ReplayFeed(engine, FUT, "BTCUSDT", ["19500"]).play()

    [order] = [o for o in engine.orders("key", FUT) if o.order_id == placed.order_id]
    assert (order.placed_by, order.stop_price, order.client_order_id) == (
        STOP_MARKET,
        D(19500),
        placed.client_algo_id,
    )
    assert placed.triggered_at > placed.created_at
