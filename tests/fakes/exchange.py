"""An exchange as the domain's `ExchangeGateway` port sees it, in memory: orders are kept by
client order id, a market order fills at once (and moves the position), anything else rests.
A test can make it refuse an order by its client order id."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    MarketRules,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
    Position,
)
from tradedesk.domain.market.model import TradeType


class FakeExchange:
    def __init__(self, rules: MarketRules, price: Decimal = Decimal(20_000)) -> None:
        self.rules = rules
        self.price = price
        self.orders: list[Order] = []  # every order placed, as it is now, in order
        self.calls: list[str] = []  # "place <client id>", "cancel_all <symbol>", ...
        self.refusing: set[str] = set()  # client order ids to refuse with 1500
        self.contracts = Decimal(0)  # + long, - short

    async def place_order(self, credentials: ApiCredentials, request: OrderRequest) -> Order:
        self.calls.append(f"place {request.client_order_id}")
        if request.client_order_id in self.refusing:
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST)
        fills = request.type is OrderType.MARKET
        if fills:
            signed = request.amount if request.side is OrderSide.BUY else -request.amount
            self.contracts += signed
        order = Order(
            id=str(len(self.orders) + 1),
            client_order_id=request.client_order_id,
            timestamp=None,
            datetime=None,
            symbol=request.symbol,
            type=request.type.value,
            side=request.side.value,
            time_in_force=None,
            post_only=False,
            reduce_only=request.reduce_only,
            price=float(request.price) if request.price is not None else None,
            stop_price=float(request.stop_price) if request.stop_price is not None else None,
            amount=float(request.amount),
            cost=float(request.amount * self.price) if fills else 0.0,
            average=float(self.price) if fills else None,
            filled=float(request.amount) if fills else 0.0,
            remaining=0.0 if fills else float(request.amount),
            status="closed" if fills else "open",
            fee=None,
            fees=(),
        )
        self.orders.append(order)
        return order

    async def cancel_all_orders(self, credentials: ApiCredentials, symbol: str) -> None:
        self.calls.append(f"cancel_all {symbol}")
        self.orders = [
            replace(o, status="canceled") if o.is_open and o.symbol == symbol else o
            for o in self.orders
        ]

    async def fetch_position(self, credentials: ApiCredentials, symbol: str) -> Position | None:
        if not self.contracts:
            return None
        return Position(
            symbol=symbol,
            contracts=float(abs(self.contracts)),
            contract_size=1.0,
            unrealized_pnl=0.0,
            leverage=1.0,
            liquidation_price=None,
            collateral=0.0,
            notional=float(abs(self.contracts) * self.price),
            mark_price=float(self.price),
            entry_price=float(self.price),
            initial_margin=0.0,
            initial_margin_percentage=0.0,
            maintenance_margin=0.0,
            maintenance_margin_percentage=0.0,
            margin_ratio=None,
            timestamp=None,
            datetime=None,
            margin_mode="cross",
            side="long" if self.contracts > 0 else "short",
            hedged=False,
            percentage=None,
        )

    async def fetch_order_history(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        return [o for o in self.orders if o.symbol == symbol]

    async def fetch_open_orders(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        return [o for o in self.orders if o.is_open and o.symbol == symbol]

    async def cancel_order(self, credentials: ApiCredentials, order: Order) -> None:
        self.calls.append(f"cancel {order.client_order_id}")
        self.orders = [
            replace(o, status="canceled") if o.id == order.id and o.is_open else o
            for o in self.orders
        ]

    async def market_rules(self, *, trade_type: TradeType, symbol: str) -> MarketRules:
        return replace(self.rules, symbol=symbol)

    def fill(self, client_order_id: str) -> None:
        """The market reaches a resting order: it fills whole, and moves the position (a
        reduce-only order never past flat)."""
        [order] = [o for o in self.orders if o.client_order_id == client_order_id and o.is_open]
        amount = Decimal(str(order.amount)) if order.amount is not None else abs(self.contracts)
        if order.reduce_only:
            amount = min(amount, abs(self.contracts))
        self.contracts += amount if order.side == OrderSide.BUY.value else -amount
        price = order.stop_price or order.price or float(self.price)
        filled = replace(order, status="closed", filled=float(amount), average=price, remaining=0.0)
        self.orders = [filled if o.id == order.id else o for o in self.orders]

    def open_client_ids(self) -> list[str]:
        return [o.client_order_id or "" for o in self.orders if o.is_open]
