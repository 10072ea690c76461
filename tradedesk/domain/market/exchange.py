"""An exchange account as the domain trades it: credentials, orders, fills, positions, balances.

Read models mirror ccxt's unified structures (the v1 contract serves them as they are), so
their numbers are floats as the exchange reported them. Order requests carry `Decimal`s: the
domain rounds amounts and prices to the market's steps before anything leaves the process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from tradedesk.domain.market.model import ExchangeId, TradeType


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """A user's exchange key as the gateway needs it. The secret never shows in a repr."""

    exchange_id: ExchangeId
    trade_type: TradeType
    api_key: str
    secret: str = field(repr=False)

    @property
    def fingerprint(self) -> str:
        """Names one client: a changed secret (a rotated key) gets a new one."""
        material = f"{self.exchange_id}|{self.trade_type}|{self.api_key}|{self.secret}"
        return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """What the exchange says a key may do, read when the key is checked."""

    can_trade: bool
    can_withdraw: bool
    ip_restricted: bool


@dataclass(frozen=True, slots=True)
class MarketRules:
    """A market's trading filters (Binance's PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE,
    MIN_NOTIONAL, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS), known before anything is placed."""

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_amount: Decimal
    max_amount: Decimal
    market_max_amount: Decimal
    min_notional: Decimal
    max_orders: int
    # open conditional orders per symbol; 0 where the market has none, None where the venue
    # sets no cap per symbol (an account-wide cap may still refuse: `ConditionalOrdersFull`)
    max_algo_orders: int | None

    def has_algo_slot(self, open_conditionals: int) -> bool:
        """Whether the symbol's cap leaves room for one more conditional order."""
        return self.max_algo_orders is None or open_conditionals < self.max_algo_orders

    def round_amount(self, amount: Decimal) -> Decimal:
        """Down to a whole number of lot steps: never more than the user asked for."""
        return (amount / self.step_size).to_integral_value(ROUND_DOWN) * self.step_size

    def round_price(self, price: Decimal) -> Decimal:
        """To the nearest tick."""
        return (price / self.tick_size).to_integral_value(ROUND_HALF_UP) * self.tick_size


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    """ccxt's unified order types; the conditional ones are Binance algo orders on futures."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_MARKET = "stop_market"
    TAKE_PROFIT = "take_profit"
    TAKE_PROFIT_MARKET = "take_profit_market"
    TRAILING_STOP_MARKET = "trailing_stop_market"

    @property
    def conditional(self) -> bool:
        return self not in (OrderType.MARKET, OrderType.LIMIT)


class MarginMode(StrEnum):
    CROSS = "cross"
    ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order to place. `client_order_id` is chosen before sending, so an order whose
    response is lost can be looked up instead of being sent twice."""

    symbol: str
    type: OrderType
    side: OrderSide
    amount: Decimal
    client_order_id: str
    price: Decimal | None = None
    stop_price: Decimal | None = None
    callback_rate: Decimal | None = None
    activation_price: Decimal | None = None  # a trailing stop starts tracking from here
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class Fee:
    currency: str
    cost: float


@dataclass(frozen=True, slots=True)
class Order:
    """ccxt's unified order, with the fields of the v1 examples."""

    id: str
    client_order_id: str | None
    timestamp: int | None
    datetime: str | None
    symbol: str
    type: str
    side: str
    time_in_force: str | None
    post_only: bool
    reduce_only: bool
    price: float | None
    stop_price: float | None
    amount: float | None  # None for a stop that closes the whole position
    cost: float
    average: float | None
    filled: float
    remaining: float | None
    status: str
    fee: Fee | None
    fees: tuple[Fee, ...]
    conditional: bool = False  # a Binance algo order: cancelled through the algo API
    # a conditional whose trigger was reached and whose order the venue has not placed yet
    triggering: bool = False

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Trade:
    """ccxt's unified trade (one fill of an order)."""

    id: str
    order: str | None
    timestamp: int
    datetime: str
    symbol: str
    type: str | None
    side: str
    taker_or_maker: str | None
    price: float
    amount: float
    cost: float
    fee: Fee | None
    fees: tuple[Fee, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """ccxt's unified futures position, with the fields of the v1 example."""

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
    timestamp: int | None
    datetime: str | None
    margin_mode: str
    side: str
    hedged: bool
    percentage: float | None


@dataclass(frozen=True, slots=True)
class AssetBalance:
    """One asset of an account: free to use, held by orders or margin, and their total."""

    asset: str
    free: float
    used: float
    total: float


@dataclass(frozen=True, slots=True)
class FuturesAccount:
    """A futures account in one read: its balances and the symbols it holds a position on
    (Binance's account endpoint answers both for the weight of one)."""

    balances: list[AssetBalance]
    held_symbols: frozenset[str]  # the platform's names, `BTC/USDT`


def to_exchange_symbol(symbol: str, trade_type: TradeType) -> str:
    """The platform's `BTC/USDT` as ccxt names the market of this trade type."""
    return symbol if trade_type is TradeType.SPOT else f"{symbol}:USDT"


def from_exchange_symbol(symbol: str) -> str:
    """ccxt's `BTC/USDT:USDT` (or `BTC/USDT`) as the platform names it."""
    return symbol.split(":", 1)[0]
