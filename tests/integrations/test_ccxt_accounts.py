"""End to end: the ccxt gateway's private side against the simulator's Binance facade.

Real `binance` / `binanceusdm` clients, signed requests over loopback, Binance's answers:
keys are checked, balances read, every order type placed, listed (plain and algo orders
merged) and cancelled, positions read, settings changed, and each failure mapped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.simulator.facade import serving_facade
from tests.standins.serving import forward_proxy
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    KeyPermissions,
    MarginMode,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
FUNDS = Decimal(10000)


def futures_key(api_key: str = "key", secret: str = "secret") -> ApiCredentials:
    return ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, api_key, secret)


def spot_key(api_key: str = "key", secret: str = "secret") -> ApiCredentials:
    return ApiCredentials(ExchangeId.BINANCE, TradeType.SPOT, api_key, secret)


def order(type_: OrderType, side: OrderSide, amount: str, cid: str, **fields) -> OrderRequest:
    return OrderRequest(
        symbol="BTC/USDT",
        type=type_,
        side=side,
        amount=Decimal(amount),
        client_order_id=cid,
        **fields,
    )


@pytest.fixture
async def venue():
    async with serving_facade(
        {
            "key": ("secret", FUNDS),
            "hedger": ("s", FUNDS),
            "withdrawer": ("s", FUNDS),
            "open": ("s", FUNDS),
        },
        hedger={"hedge_mode": True},
        withdrawer={"can_withdraw": True},
        open={"ip_restricted": False},
    ) as served:
        yield served


@pytest.fixture
async def gateway(venue):
    made = CcxtGateway(CcxtClients(base_url=venue[1]))
    yield made
    await made.aclose()


async def refused(call) -> ErrorCode:
    with pytest.raises(BusinessRuleViolation) as raised:
        await call
    return raised.value.code


async def test_a_key_check_reads_the_keys_permissions(gateway):
    assert await gateway.check_key(futures_key()) == KeyPermissions(
        can_trade=True, can_withdraw=False, ip_restricted=True
    )
    assert (await gateway.check_key(futures_key("withdrawer", "s"))).can_withdraw is True
    assert (await gateway.check_key(spot_key("open", "s"))).ip_restricted is False


async def test_a_key_in_hedge_mode_is_an_invalid_key_type(gateway, caplog):
    code = await refused(gateway.check_key(futures_key("hedger", "s")))

    assert code is ErrorCode.EXCHANGE_KEY_TYPE_INVALID
    assert "hedge mode" in caplog.text
    assert (await gateway.check_key(spot_key("hedger", "s"))).can_trade  # spot has no modes


@pytest.mark.parametrize("api_key", ["unknown", "key"])
async def test_rejected_credentials_are_1103_and_the_secret_is_never_logged(
    gateway, api_key, caplog
):
    credentials = futures_key(api_key, "s3cr3t-that-must-not-leak")

    assert await refused(gateway.check_key(credentials)) is ErrorCode.EXCHANGE_AUTHORIZATION_FAILED
    assert await refused(gateway.fetch_balances(credentials)) is (
        ErrorCode.EXCHANGE_AUTHORIZATION_FAILED
    )
    assert "credentials refused" in caplog.text
    assert "s3cr3t-that-must-not-leak" not in caplog.text + repr(credentials)


async def test_a_one_way_order_from_a_hedge_mode_account_is_an_invalid_key_type(gateway):
    hedger = futures_key("hedger", "s")

    assert (
        await refused(
            gateway.place_order(hedger, order(OrderType.MARKET, OrderSide.BUY, "0.01", "h1"))
        )
        is ErrorCode.EXCHANGE_KEY_TYPE_INVALID
    )  # Binance's -4061


async def test_balances_of_both_wallets(gateway):
    [futures] = await gateway.fetch_balances(futures_key())
    [spot] = await gateway.fetch_balances(spot_key())

    assert (futures.asset, futures.free, futures.total) == ("USDT", 10000, 10000)
    assert (spot.asset, spot.used, spot.total) == ("USDT", 0, 10000)


async def test_a_futures_account_read_gives_its_balance_and_the_symbols_it_holds(gateway):
    key = futures_key()
    flat = await gateway.fetch_futures_account(key)
    await gateway.place_order(key, order(OrderType.MARKET, OrderSide.BUY, "0.1", "held"))
    holding = await gateway.fetch_futures_account(key)
    asked = (await gateway.clients.private(key)).last_request_url

    assert flat.held_symbols == frozenset()
    assert [(b.asset, b.total) for b in flat.balances] == [("USDT", 10000)]
    assert holding.held_symbols == {"BTC/USDT"}
    assert holding.balances == await gateway.fetch_balances(key)  # the same balance read
    assert "/fapi/v3/account" in asked  # the one request that gave both


async def test_every_futures_order_type_is_placed_listed_and_cancelled(gateway):
    key = futures_key()
    bought = await gateway.place_order(key, order(OrderType.MARKET, OrderSide.BUY, "0.1", "c1"))
    resting = await gateway.place_order(
        key, order(OrderType.LIMIT, OrderSide.BUY, "0.01", "c2", price=Decimal(19000))
    )
    assert (resting.status, resting.price, resting.filled) == ("open", 19000, 0)
    stop = await gateway.place_order(
        key,
        order(
            OrderType.STOP_MARKET,
            OrderSide.SELL,
            "0.1",
            "c3",
            stop_price=Decimal(19000),
            reduce_only=True,
        ),
    )
    ladder = await gateway.place_order(
        key,
        order(
            OrderType.TAKE_PROFIT,
            OrderSide.SELL,
            "0.05",
            "c4",
            price=Decimal(21000),
            stop_price=Decimal(21000),
            reduce_only=True,
        ),
    )
    trailing = await gateway.place_order(
        key,
        order(
            OrderType.TRAILING_STOP_MARKET,
            OrderSide.SELL,
            "0.05",
            "c5",
            callback_rate=Decimal(1),
            reduce_only=True,
        ),
    )

    assert (bought.status, bought.average, bought.filled) == ("closed", 19700, 0.1)
    assert (bought.client_order_id, bought.symbol, bought.conditional) == ("c1", "BTC/USDT", False)
    assert (stop.type, stop.stop_price, stop.reduce_only, stop.conditional) == (
        "stop_market",
        19000,
        True,
        True,
    )
    assert (ladder.type, ladder.price, ladder.stop_price) == ("take_profit", 21000, 21000)
    assert trailing.type == "trailing_stop_market"
    open_orders = await gateway.fetch_open_orders(key, "BTC/USDT")
    assert [o.client_order_id for o in open_orders] == ["c2", "c3", "c4", "c5"]

    cancelled = await gateway.cancel_order(key, stop)
    assert cancelled.status == "canceled"
    await gateway.cancel_all_orders(key, "BTC/USDT")

    assert await gateway.fetch_open_orders(key, "BTC/USDT") == []
    history = await gateway.fetch_order_history(key, "BTC/USDT")
    assert [(o.client_order_id, o.status) for o in history] == [
        ("c1", "closed"),
        ("c2", "canceled"),
        ("c3", "canceled"),
        ("c4", "canceled"),
        ("c5", "canceled"),
    ]


async def test_spot_orders_and_fills(gateway):
    key = spot_key()
    bought = await gateway.place_order(key, order(OrderType.MARKET, OrderSide.BUY, "0.01", "s1"))
    resting = await gateway.place_order(
        key, order(OrderType.LIMIT, OrderSide.BUY, "0.01", "s2", price=Decimal(19000))
    )

    assert [o.id for o in await gateway.fetch_open_orders(key, "BTC/USDT")] == [resting.id]
    [fill] = await gateway.fetch_trades(key, "BTC/USDT")
    assert (fill.order, fill.side, fill.price, fill.amount) == (bought.id, "buy", 19700, 0.01)
    assert fill.fee is not None and fill.fee.currency == "BTC"


async def test_a_position_its_leverage_and_its_margin_mode(gateway, venue):
    key = futures_key()
    assert await gateway.fetch_position(key, "BTC/USDT") is None
    await gateway.set_margin_mode(key, "BTC/USDT", MarginMode.ISOLATED)
    await gateway.set_margin_mode(key, "BTC/USDT", MarginMode.ISOLATED)  # already: no error
    await gateway.set_leverage(key, "BTC/USDT", 10)
    await gateway.place_order(key, order(OrderType.MARKET, OrderSide.BUY, "0.1", "p1"))
    venue[0].set_price(Kind.FUTURES, "BTCUSDT", Decimal(19800))

    position = await gateway.fetch_position(key, "BTC/USDT")

    assert position is not None
    assert (position.side, position.contracts, position.entry_price) == ("long", 0.1, 19700)
    assert (position.leverage, position.margin_mode, position.mark_price) == (10, "isolated", 19800)
    assert position.unrealized_pnl == pytest.approx(10)
    assert position.liquidation_price == pytest.approx(17801.2048, abs=0.001)


async def test_exchange_refusals_map_to_the_taxonomy(gateway):
    key = futures_key()

    assert await refused(gateway.set_leverage(key, "BTC/USDT", 126)) is (
        ErrorCode.EXCHANGE_BAD_REQUEST
    )
    assert (
        await refused(
            gateway.place_order(key, order(OrderType.MARKET, OrderSide.BUY, "100", "big"))
        )
        is ErrorCode.EXCHANGE_BAD_REQUEST
    )  # -2019 margin is insufficient
    assert await refused(gateway.fetch_open_orders(key, "DOGE/USDT")) is (
        ErrorCode.INVALID_EXCHANGE_SYMBOL
    )
    assert await refused(gateway.fetch_position(key, "DOGE/USDT")) is (
        ErrorCode.INVALID_EXCHANGE_SYMBOL
    )


async def test_one_client_per_key_sharing_the_markets(gateway):
    first = await gateway.clients.private(futures_key())
    again = await gateway.clients.private(futures_key())
    other = await gateway.clients.private(futures_key("open", "s"))
    public = await gateway.clients.public(TradeType.FUTURES)

    assert first is again and first is not other
    assert first.markets is public.markets is other.markets
    assert gateway.clients.budget_of(first) is gateway.clients.budget_of(other)

    await gateway.release(futures_key())

    assert await gateway.clients.private(futures_key()) is not first


async def test_calls_leave_through_the_keys_proxy():
    async with (
        serving_facade({"key": ("secret", FUNDS)}) as (_engine, base),
        forward_proxy() as (proxy, forwarded),
    ):
        gateway = CcxtGateway(CcxtClients(base_url=base, proxies=[proxy]))
        try:
            [balance] = await gateway.fetch_balances(futures_key())
        finally:
            await gateway.aclose()

    assert balance.total == 10000
    paths = [url.removeprefix(base).split("?")[0] for url in forwarded]
    assert {"/fapi/v1/exchangeInfo", "/fapi/v1/time", "/fapi/v3/account"} <= set(paths)


async def test_shutdown_closes_every_client(venue):
    gateway = CcxtGateway(CcxtClients(base_url=venue[1]))
    await gateway.fetch_balances(futures_key())
    public = await gateway.clients.public(TradeType.FUTURES)
    private = await gateway.clients.private(futures_key())
    assert public.session is not None and private.session is not None

    await gateway.aclose()

    assert public.session is None and private.session is None
