"""Manual trading as tests stage it: a manual key funded on the simulator, orders placed
through the API, and what the venue then holds."""

from __future__ import annotations

from decimal import Decimal

from tests.builders.accounts import Caller
from tests.builders.exchange_keys import KEYS, funded
from tradedesk.domain.trading.protection import ProtectionKeeper
from tradedesk.integrations.ids import SystemIds
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import OrderType as VenueOrderType
from tradedesk.simulator.orders import Side, TriggerType


async def manual_key(caller: Caller, venue, api_key: str = "manual", **fields) -> str:
    body = {**funded(venue, api_key, usdt=4000), "strategyType": "MANUAL", **fields}
    response = await caller.post(KEYS, body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def trade_in_the_venue(venue, api_key: str = "manual") -> None:
    """A long 0.1 BTC with a resting limit order and a stop, placed on the exchange directly."""
    engine, _base = venue
    engine.place_order(
        api_key, Kind.FUTURES, "BTCUSDT", side=Side.BUY, type=VenueOrderType.MARKET,
        quantity=Decimal("0.1"), client_order_id="entry",
    )  # fmt: skip
    engine.place_order(
        api_key, Kind.FUTURES, "BTCUSDT", side=Side.BUY, type=VenueOrderType.LIMIT,
        quantity=Decimal("0.01"), price=Decimal(19000), client_order_id="dip",
    )  # fmt: skip
    engine.place_conditional(
        api_key, Kind.FUTURES, "BTCUSDT", side=Side.SELL, type=TriggerType.STOP_MARKET,
        quantity=None, trigger_price=Decimal(19500), price=None, callback_rate=None,
        activation_price=None, reduce_only=False, close_position=True, client_algo_id="stop",
    )  # fmt: skip


def shape(orders: list[dict]) -> list[tuple]:
    return [
        (
            o["type"],
            o["side"],
            o["price"],
            o["stopPrice"],
            o["amount"],
            o["reduceOnly"],
            o["status"],
        )
        for o in orders
    ]


async def place(alice, key_id: str, body: dict):
    return await alice.post(f"/v1/priv/exchange/order/{key_id}", body)


async def open_orders(alice, key_id: str) -> list[dict]:
    response = await alice.client.get(
        f"/v1/priv/exchange/order/{key_id}/list",
        params={"symbol": "BTC/USDT"},
        headers=alice.headers,
    )
    return response.json()


ORDER = {
    "symbol": "BTC/USDT",
    "type": "MARKET",
    "side": "BUY",
    "amount": 0.05,
    "takeProfitPrices": [20000, 20100],
    "stopTriggerPrice": 19000,
    "stopTriggerType": "LIMIT",
    "stopPrice": 18990,
    "riskProfilePercent": 2,
}


async def bought(caller) -> str:
    """A paper futures key, then a MARKET buy of 0.01 BTC with a take profit and a stop."""
    key = await caller.post(
        "/v1/priv/account/exchange/key",
        {"exchangeId": "BINANCE", "tradeType": "FUTURES", "strategyType": "MANUAL",
         "name": "My paper key", "apiKey": "alerts-paper", "apiSecretKey": "secret"},
    )  # fmt: skip
    placed = await caller.post(
        f"/v1/priv/exchange/order/{key.json()['id']}",
        {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.01,
         "takeProfitPrices": [20500], "stopTriggerPrice": 19000},
    )  # fmt: skip
    assert placed.status_code == 200, placed.text
    return placed.json()[0]["price"]


def another_keeper(runtime, clock, streams=None) -> ProtectionKeeper:
    """A second protection keeper on the runtime's database and exchange, as another process
    (a worker) runs one."""
    sessions = make_session_factory(runtime.engine)
    return ProtectionKeeper(
        uow_factory=lambda: SqlUnitOfWork(sessions),
        keys=runtime.services.exchange_keys,
        gateway=runtime.exchange,
        events=runtime.services.trade_events,
        clock=clock,
        ids=SystemIds(),
        streams=streams,
    )
