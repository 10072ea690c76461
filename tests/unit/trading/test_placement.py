"""The one order path of manual orders and copies: the symbol cleared, the entry, then its
exits; a leg that fails undoes everything and is named; a retry finds what an earlier attempt
placed instead of placing it again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.builders.markets import BTC
from tests.builders.orders import market_buy
from tests.fakes.exchange import FakeExchange
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.exchange import ApiCredentials, OrderRequest, OrderSide, OrderType
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.placement import OrderLegFailed, TradePlacer, placed_before

pytestmark = pytest.mark.asyncio
FUTURES = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "key", "secret")
SPOT = ApiCredentials(ExchangeId.BINANCE, TradeType.SPOT, "key", "secret")
PLAN = ExitPlan(
    side=OrderSide.BUY,
    amount=Decimal("0.010"),
    take_profit_prices=(Decimal(21_000), Decimal(22_000)),
    stop_trigger_price=Decimal(19_000),
    stop_price=None,
)


class RecordingKeeper:
    """The protection keeper, as far as placement uses it: told which trades are superseded."""

    def __init__(self) -> None:
        self.superseded: list[tuple[str, str]] = []

    async def supersede(self, key_id: str, symbol: str, *, reason: str = "superseded") -> None:
        self.superseded.append((key_id, symbol))


async def place(exchange: FakeExchange, keeper: RecordingKeeper, credentials=FUTURES):
    return await TradePlacer(exchange, keeper).place(
        credentials, "k1", market_buy(), PLAN, BTC, "tdx"
    )


async def test_the_entry_goes_first_then_the_ladder_then_the_stop():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    placed = await place(exchange, keeper)
    assert [o.client_order_id for o in placed] == ["tdxe", "tdxt1", "tdxt2", "tdxs"]
    assert [o.amount for o in placed[1:3]] == [0.005, 0.005]  # the ladder splits what filled
    assert placed[3].reduce_only and placed[3].amount == 0.01  # the stop covers it all


async def test_a_futures_symbol_is_cleared_and_its_kept_trade_superseded_first():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.contracts = Decimal("0.3")  # a position left from before
    await place(exchange, keeper)
    assert keeper.superseded == [("k1", "BTC/USDT")]
    assert exchange.calls[:3] == ["cancel_all BTC/USDT", "place tdxc", "place tdxe"]
    assert exchange.contracts == Decimal("0.010")  # the old position closed, the new one open


async def test_a_symbol_known_to_hold_nothing_is_not_cleared():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    placer = TradePlacer(exchange, keeper)
    await placer.place(FUTURES, "k1", market_buy(), PLAN, BTC, "tdx", clear=False)
    assert keeper.superseded == []
    assert exchange.calls[0] == "place tdxe"


async def test_a_failed_leg_undoes_the_trade_and_is_named():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.refusing.add("tdxs")
    with pytest.raises(OrderLegFailed) as failed:
        await place(exchange, keeper)
    assert failed.value.code is ErrorCode.EXCHANGE_BAD_REQUEST
    assert failed.value.context == {"leg": "stop"}
    assert exchange.open_client_ids() == []  # the rungs placed before it were cancelled
    assert exchange.contracts == 0  # and the entry's position closed, reduce-only
    assert exchange.orders[-1].client_order_id == "tdxu" and exchange.orders[-1].reduce_only


async def test_a_failed_rung_is_named_by_its_number():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.refusing.add("tdxt2")
    with pytest.raises(OrderLegFailed) as failed:
        await place(exchange, keeper)
    assert failed.value.context == {"leg": "takeProfit[2]"}


async def test_on_spot_clearing_and_undoing_only_cancel_orders():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.refusing.add("tdxs")
    with pytest.raises(OrderLegFailed):
        await place(exchange, keeper, SPOT)
    assert keeper.superseded == []
    assert exchange.calls[0] == "cancel_all BTC/USDT"
    assert exchange.calls[-1] == "cancel_all BTC/USDT"
    assert "place tdxu" not in exchange.calls  # a spot balance is not a position to close


async def test_a_resting_entry_gets_its_stop_but_no_ladder_yet():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    entry = OrderRequest(
        symbol="BTC/USDT",
        type=OrderType.LIMIT,
        side=OrderSide.BUY,
        amount=Decimal("0.010"),
        client_order_id="tdxe",
        price=Decimal(19_500),
    )
    placed = await TradePlacer(exchange, keeper).place(FUTURES, "k1", entry, PLAN, BTC, "tdx")
    assert [o.client_order_id for o in placed] == ["tdxe", "tdxs"]


async def test_a_retry_finds_the_entry_and_the_legs_still_open():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    await place(exchange, keeper)
    exchange.fill("tdxt1")  # one rung filled since: no longer open
    found = await placed_before(exchange, FUTURES, "BTC/USDT", "tdx")
    assert found is not None
    assert [o.client_order_id for o in found] == ["tdxe", "tdxt2", "tdxs"]  # in the plan's order


async def test_a_retry_after_an_undone_trade_finds_only_its_entry():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.refusing.add("tdxt2")
    with pytest.raises(OrderLegFailed):
        await place(exchange, keeper)
    found = await placed_before(exchange, FUTURES, "BTC/USDT", "tdx")
    assert found is not None and [o.client_order_id for o in found] == ["tdxe"]


async def test_a_retry_of_a_trade_whose_entry_was_refused_finds_nothing():
    exchange, keeper = FakeExchange(BTC), RecordingKeeper()
    exchange.refusing.add("tdxe")
    with pytest.raises(BusinessRuleViolation):
        await place(exchange, keeper)
    assert exchange.calls[-1] == "place tdxe"  # it was sent, and refused
    assert await placed_before(exchange, FUTURES, "BTC/USDT", "tdx") is None
