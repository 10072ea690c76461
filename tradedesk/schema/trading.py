"""GraphQL types and mutations of manual trading: what a key holds on the exchange (orders,
fills, positions: ccxt's unified structures, named as the v1 REST fields), orders placed by
hand, and the trade events the live `myTrades` feed carries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.domain.errors import FieldError
from tradedesk.domain.market.exchange import Order
from tradedesk.domain.trading.model import ManualTrade
from tradedesk.resolvers import manual_trading
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.scalars import Long


@strawberry.type(name="Fee")
class FeeType:
    currency: str
    cost: float


@strawberry.type(name="Order", description="An order on the exchange, plain or conditional.")
class OrderType:
    id: str
    client_order_id: str | None
    timestamp: Long | None
    datetime: str | None
    symbol: str
    type: str = strawberry.field(description="market, limit, stop, take_profit, ...")
    time_in_force: str | None
    post_only: bool
    reduce_only: bool
    side: str
    price: float | None
    stop_price: float | None
    amount: float | None = strawberry.field(description="Null for a stop closing all.")
    cost: float
    average: float | None
    filled: float
    remaining: float | None
    status: str = strawberry.field(description="open, closed, canceled, expired")
    fee: FeeType | None
    fees: list[FeeType]


@strawberry.type(name="Trade", description="One fill of an order.")
class TradeType:
    id: str
    order: str | None
    timestamp: Long
    datetime: str
    symbol: str
    type: str | None
    side: str
    taker_or_maker: str | None
    price: float
    amount: float
    cost: float
    fee: FeeType | None
    fees: list[FeeType]


@strawberry.type(name="Position", description="A USDT-M futures position (one-way mode).")
class PositionType:
    symbol: str
    contracts: float
    contract_size: float
    unrealized_pnl: float
    leverage: float
    liquidation_price: float | None
    collateral: float
    notional: float
    mark_price: float
    entry_price: float
    initial_margin: float
    initial_margin_percentage: float
    maintenance_margin: float
    maintenance_margin_percentage: float
    margin_ratio: float | None
    datetime: str | None
    margin_mode: str
    side: str
    hedged: bool
    percentage: float | None


@strawberry.type(name="ManualTrade", description="A manual order as it was placed.")
class ManualTradeType:
    order_id: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None = strawberry.field(description="The stop's trigger price.")
    stop_type: str | None = strawberry.field(description="LIMIT or MARKET.")
    take_profit: list[float]
    trailing_trigger_price: float | None
    callback_rate: float | None
    risk_profile_percent: float | None
    created_at: datetime


@strawberry.type(name="ManualTradeEdge")
class ManualTradeEdge:
    cursor: str
    node: ManualTrade = strawberry.field(graphql_type=ManualTradeType)


@strawberry.type(name="ManualTradeConnection", description="Manual orders, newest first.")
class ManualTradeConnection:
    edges: list[ManualTradeEdge]
    page_info: PageInfo


@strawberry.input(description="The leverage of one futures symbol.")
class SetLeverageInput:
    symbol: str
    leverage: int


@strawberry.input(description="The margin type of one futures symbol: ISOLATED or CROSSED.")
class SetMarginTypeInput:
    symbol: str
    type: str


@strawberry.input(description="A manual order: the entry, then an optional ladder and stop.")
class PlaceOrderInput:
    symbol: str
    type: str = strawberry.field(description="LIMIT, MARKET or TRAILING_STOP")
    side: str = strawberry.field(description="BUY or SELL (SPOT keys: BUY)")
    amount: float
    price: float | None = strawberry.UNSET
    take_profit_prices: list[float] | None = strawberry.UNSET
    stop_trigger_price: float | None = strawberry.UNSET
    stop_trigger_type: str | None = strawberry.UNSET
    stop_price: float | None = strawberry.UNSET
    callback_rate: float | None = strawberry.UNSET
    risk_profile_percent: float | None = strawberry.UNSET


@strawberry.type
class PlaceOrderPayload:
    orders: list[Order] | None = strawberry.field(
        description="As placed, entry first.", graphql_type=list[OrderType] | None
    )
    errors: list[FieldError] = field_errors()


@strawberry.type(description="`done` is true when the exchange accepted the change.")
class TradingPayload:
    done: bool
    errors: list[FieldError] = field_errors()


@strawberry.type(name="TradeEvent", description="Something that happened on the caller's key.")
class TradeEventType:
    kind: str = strawberry.field(description="ENTRY, TAKE_PROFIT or STOP")
    key_id: strawberry.ID
    symbol: str
    side: str
    amount: float | None
    price: float | None
    order_id: str
    at: datetime


@strawberry.type
class TradingMutation:
    """Manual trading on the caller's keys."""

    @strawberry.mutation(
        description="Clear the symbol, then place the entry, its take-profit ladder and stop."
    )
    async def place_order(
        self,
        info: GraphInfo,
        exchange_key_id: strawberry.ID,
        input: PlaceOrderInput,
        idempotency_key: str | None = None,
    ) -> PlaceOrderPayload:
        orders, errors = await manual_trading.place_order(
            info, str(exchange_key_id), given_fields(input, info), idempotency_key
        )
        return PlaceOrderPayload(orders=orders, errors=errors)

    @strawberry.mutation(description="Cancel the symbol's orders and close its position at market.")
    async def close_position(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, symbol: str
    ) -> TradingPayload:
        done, errors = await manual_trading.close_position(info, str(exchange_key_id), symbol)
        return TradingPayload(done=done, errors=errors)

    @strawberry.mutation(description="Set a futures symbol's leverage (1-125).")
    async def set_leverage(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: SetLeverageInput
    ) -> TradingPayload:
        done, errors = await manual_trading.set_leverage(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return TradingPayload(done=done, errors=errors)

    @strawberry.mutation(description="Set a futures symbol's margin type: ISOLATED or CROSSED.")
    async def set_margin_type(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: SetMarginTypeInput
    ) -> TradingPayload:
        done, errors = await manual_trading.set_margin_type(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return TradingPayload(done=done, errors=errors)
