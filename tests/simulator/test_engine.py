"""The paper exchange's engine, on hand-set prices, with hand-computed numbers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from tests.simulator.engines import BUY, FUT, LIMIT, MARKET, SELL, SPOT, code_of, exchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.markets import default_markets
from tradedesk.simulator.orders import MarginType, Status

# spot ------------------------------------------------------------------------------------


def test_a_spot_market_buy_pays_quote_and_the_fee_in_base():
    engine = exchange()

    order = engine.place_order("key", SPOT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))

    account = engine.account("key")
    assert order.status is Status.FILLED and order.avg_price == D(20000)
    assert account.spot["USDT"].free == D(8000)
    assert account.spot["BTC"].free == D("0.0999")  # 0.1 less 0.1 % commission
    [fill] = engine.fills("key", SPOT)
    assert (fill.commission, fill.commission_asset, fill.maker) == (D("0.0001"), "BTC", False)


def test_a_resting_spot_limit_locks_quote_and_fills_as_maker_at_its_price():
    engine = exchange()
    order = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19000)
    )
    usdt = engine.account("key").spot["USDT"]
    assert (order.status, usdt.free, usdt.locked) == (Status.NEW, D(8100), D(1900))

    engine.set_price(SPOT, "BTCUSDT", D(19100))
    assert order.status is Status.NEW
    [fill] = engine.set_price(SPOT, "BTCUSDT", D(18950))

    assert (fill.price, fill.maker) == (D(19000), True)
    assert (usdt.free, usdt.locked) == (D(8100), D(0))
    assert engine.account("key").spot["BTC"].free == D("0.0999")


def test_a_bounded_volume_fills_resting_orders_in_parts_oldest_first():
    engine = exchange()
    first = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19000)
    )
    second = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19000)
    )
    usdt = engine.account("key").spot["USDT"]

    [fill] = engine.set_price(SPOT, "BTCUSDT", D(19000), volume=D("0.04"))

    assert (fill.order_id, fill.qty) == (first.order_id, D("0.04"))
    assert (first.status, first.executed_qty) == (Status.PARTIALLY_FILLED, D("0.04"))
    assert second.status is Status.NEW
    assert (usdt.free, usdt.locked) == (D(6200), D(3040))  # 760 of the first hold spent
    assert engine.open_orders("key", SPOT) == [first, second]

    engine.set_price(SPOT, "BTCUSDT", D(19000), volume=D("0.08"))
    engine.cancel_order("key", SPOT, "BTCUSDT", order_id=second.order_id)

    assert (first.status, second.status, second.executed_qty) == (
        Status.FILLED,
        Status.CANCELED,
        D("0.02"),
    )
    assert (usdt.free, usdt.locked) == (D(6200) + D(1520), D(0))  # the rest of the hold back


def test_a_crossing_limit_fills_at_once_as_taker_at_the_market_price():
    engine = exchange()

    order = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(20500)
    )

    assert order.status is Status.FILLED and order.avg_price == D(20000)
    assert engine.account("key").spot["USDT"].free == D(8000)


def test_cancelling_releases_what_the_order_locked():
    engine = exchange()
    order = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19000)
    )

    engine.cancel_order("key", SPOT, "BTCUSDT", order_id=order.order_id)

    usdt = engine.account("key").spot["USDT"]
    assert (order.status, usdt.free, usdt.locked) == (Status.CANCELED, D(10000), D(0))
    assert engine.open_orders("key", SPOT) == []


def test_a_spot_sell_pays_the_fee_in_quote():
    engine = exchange()
    engine.place_order("key", SPOT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    engine.set_price(SPOT, "BTCUSDT", D(21000))

    engine.place_order("key", SPOT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.0999"))

    account = engine.account("key")
    assert account.spot["BTC"].free == D(0)
    assert account.spot["USDT"].free == D(8000) + D("2097.9") - D("2.0979")


def test_spending_more_than_the_balance_is_refused():
    engine = exchange()

    assert (
        code_of(
            lambda: engine.place_order(
                "key", SPOT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1")
            )
        )
        == -2010
    )
    assert (
        code_of(
            lambda: engine.place_order(
                "key", SPOT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.6")
            )
        )
        == -2010
    )


@pytest.mark.parametrize(
    ("kind", "quantity", "price", "code", "text"),
    [
        (SPOT, "0.000001", None, -1013, "LOT_SIZE"),  # below the minimum
        (SPOT, "0.000015", None, -1013, "LOT_SIZE"),  # not a multiple of the step
        (SPOT, "0.1", "19000.005", -1013, "PRICE_FILTER"),  # not a multiple of the tick
        (SPOT, "0.0002", None, -1013, "NOTIONAL"),  # 4 USDT < 5
        (FUT, "0.001", None, -4164, "no smaller than 100"),  # 20 USDT < 100
        (FUT, "121", None, -1013, "MARKET_LOT_SIZE"),
        (FUT, "0.1", "19000.05", -1013, "PRICE_FILTER"),
    ],
)
def test_symbol_filters_answer_binances_codes(kind, quantity, price, code, text):
    engine = exchange()
    with pytest.raises(ExchangeError) as raised:
        engine.place_order(
            "key",
            kind,
            "BTCUSDT",
            side=BUY,
            type=LIMIT if price else MARKET,
            quantity=D(quantity),
            price=D(price) if price else None,
        )

    assert raised.value.code == code and text in raised.value.msg


def test_unknown_keys_symbols_and_orders():
    engine = exchange()

    assert code_of(lambda: engine.account("nobody")) == -2015
    assert (
        code_of(
            lambda: engine.place_order(
                "key", SPOT, "DOGEUSDT", side=BUY, type=MARKET, quantity=D(1)
            )
        )
        == -1121
    )
    assert code_of(lambda: engine.cancel_order("key", SPOT, "BTCUSDT", order_id=999)) == -2011


def test_an_account_cannot_see_or_cancel_another_accounts_order():
    engine = exchange()
    order = engine.place_order(
        "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19000)
    )

    assert engine.open_orders("other", SPOT) == []
    assert (
        code_of(lambda: engine.cancel_order("other", SPOT, "BTCUSDT", order_id=order.order_id))
        == -2011
    )


def test_the_open_order_count_is_capped():
    markets = [replace(m, max_num_orders=2) for m in default_markets()]
    engine = exchange(markets)
    for price in (19000, 18000):
        engine.place_order(
            "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.01"), price=D(price)
        )

    assert (
        code_of(
            lambda: engine.place_order(
                "key", SPOT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.01"), price=D(17000)
            )
        )
        == -2025
    )


# futures ---------------------------------------------------------------------------------


def test_a_futures_round_trip_books_fees_and_realized_pnl():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 10)
    account = engine.account("key")

    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    position = account.position("BTCUSDT")
    assert (position.amount, position.entry_price) == (D("0.1"), D(20000))
    assert account.futures_wallet == D("9999.2")  # 2000 notional x 0.04 % taker
    assert engine.available_balance(account) == D("9799.2")  # less 200 initial margin

    engine.set_price(FUT, "BTCUSDT", D(21000))
    assert engine.unrealized_pnl(account) == D(100)
    assert engine.available_balance(account) == D("9889.2")  # + 100 PnL, 210 margin

    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))
    assert position.amount == 0
    assert account.futures_wallet == D("10098.36")  # + 100 realized - 0.84 fee
    assert engine.fills("key", FUT)[-1].realized_pnl == D(100)


def test_an_opposite_fill_larger_than_the_position_flips_it():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 10)
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.2"))
    engine.set_price(FUT, "BTCUSDT", D(19000))

    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.3"))

    account = engine.account("key")
    position = account.position("BTCUSDT")
    assert (position.amount, position.entry_price) == (D("0.1"), D(19000))
    assert account.futures_wallet == D(10000) - D("1.6") + D(200) - D("2.28")


def test_adding_to_a_position_averages_the_entry():
    engine = exchange()
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    engine.set_price(FUT, "BTCUSDT", D(22000))
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))

    assert engine.account("key").position("BTCUSDT").entry_price == D(21000)


def test_a_resting_futures_limit_holds_margin_then_fills_as_maker():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 10)
    account = engine.account("key")
    engine.place_order(
        "key", FUT, "BTCUSDT", side=BUY, type=LIMIT, quantity=D("0.1"), price=D(19500)
    )
    assert engine.available_balance(account) == D(10000) - D(195)

    [fill] = engine.set_price(FUT, "BTCUSDT", D(19400))

    assert (fill.price, fill.maker, fill.commission) == (D(19500), True, D("0.39"))
    assert account.position("BTCUSDT").entry_price == D(19500)


def test_leverage_is_bounded_by_the_symbols_brackets():
    engine = exchange()

    assert code_of(lambda: engine.set_leverage("key", "BTCUSDT", 126)) == -4028
    assert code_of(lambda: engine.set_leverage("key", "BTCUSDT", 0)) == -4028
    assert code_of(lambda: engine.set_leverage("key", "ETHUSDT", 76)) == -4028
    assert engine.set_leverage("key", "BTCUSDT", 125) == D(50000)
    assert engine.set_leverage("key", "BTCUSDT", 20) == D(15000000)


def test_a_position_beyond_the_leverages_bracket_is_refused():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 125)

    assert (
        code_of(
            lambda: engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D(3))
        )
        == -2027
    )

    engine.set_leverage("key", "BTCUSDT", 100)
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D(3))
    assert code_of(lambda: engine.set_leverage("key", "BTCUSDT", 125)) == -2027


def test_margin_beyond_the_balance_is_refused():
    engine = exchange()
    engine.set_leverage("key", "BTCUSDT", 1)

    assert (
        code_of(
            lambda: engine.place_order(
                "key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.5")
            )
        )
        == -2019
    )


def test_reduce_only_never_opens_or_grows_a_position():
    engine = exchange()
    assert (
        code_of(
            lambda: engine.place_order(
                "key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"), reduce_only=True
            )
        )
        == -2022
    )
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    engine.place_order(  # below the minimum notional is fine when reducing
        "key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.001"), reduce_only=True
    )
    assert engine.account("key").position("BTCUSDT").amount == D("0.099")

    larger = engine.place_order(
        "key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.2"), reduce_only=True
    )

    assert (larger.executed_qty, larger.status) == (D("0.099"), Status.EXPIRED)  # no short
    assert engine.account("key").position("BTCUSDT").amount == 0


def test_a_resting_reduce_only_order_expires_when_the_position_is_gone():
    engine = exchange()
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    take = engine.place_order(
        "key", FUT, "BTCUSDT", side=SELL, type=LIMIT, quantity=D("0.1"), price=D(21000),
        reduce_only=True,
    )  # fmt: skip
    engine.place_order("key", FUT, "BTCUSDT", side=SELL, type=MARKET, quantity=D("0.1"))

    assert engine.set_price(FUT, "BTCUSDT", D(21000)) == []
    assert take.status is Status.EXPIRED and take.executed_qty == 0


def test_margin_type_changes_only_when_flat():
    engine = exchange()
    engine.set_margin_type("key", "BTCUSDT", MarginType.ISOLATED)

    assert code_of(lambda: engine.set_margin_type("key", "BTCUSDT", MarginType.ISOLATED)) == -4046
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))
    assert code_of(lambda: engine.set_margin_type("key", "BTCUSDT", MarginType.CROSSED)) == -4048


def test_isolated_liquidation_prices_follow_binances_formula():
    engine = exchange()
    for key, side in (("key", BUY), ("other", SELL)):
        engine.set_margin_type(key, "BTCUSDT", MarginType.ISOLATED)
        engine.set_leverage(key, "BTCUSDT", 10)
        engine.place_order(key, FUT, "BTCUSDT", side=side, type=MARKET, quantity=D("0.1"))

    long_price = engine.liquidation_price(engine.account("key"), "BTCUSDT")
    short_price = engine.liquidation_price(engine.account("other"), "BTCUSDT")

    # isolated margin 200; maintenance 0.4 %: (200 - 2000) / (0.0004 - 0.1)
    assert long_price.quantize(D("0.01")) == D("18072.29")
    # (200 + 2000) / (0.0004 + 0.1)
    assert short_price.quantize(D("0.01")) == D("21912.35")


def test_a_well_funded_cross_long_cannot_be_liquidated():
    engine = exchange()
    engine.place_order("key", FUT, "BTCUSDT", side=BUY, type=MARKET, quantity=D("0.1"))

    assert engine.liquidation_price(engine.account("key"), "BTCUSDT") == 0
