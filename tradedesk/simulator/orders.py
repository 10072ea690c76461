"""Orders, fills and positions as the engine keeps them (Binance's vocabulary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tradedesk.simulator.markets import Kind

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIQUIDATION = "LIQUIDATION"  # the venue's own, closing a position it liquidates


class Status(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"  # resting, some of it executed
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class TriggerType(StrEnum):
    """Conditional (algo) orders: they wait for the price, then place a market or limit order."""

    STOP = "STOP"  # stop-limit
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT = "TAKE_PROFIT"  # take-profit-limit
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"

    @property
    def places_limit(self) -> bool:
        return self in (TriggerType.STOP, TriggerType.TAKE_PROFIT)


class AlgoStatus(StrEnum):
    NEW = "NEW"
    TRIGGERING = "TRIGGERING"  # its trigger was reached; its order is being placed
    TRIGGERED = "TRIGGERED"  # its order was placed
    FINISHED = "FINISHED"  # the order it placed is done (filled, cancelled or expired)
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"  # its order was refused at the trigger (no margin, nothing to reduce)
    EXPIRED = "EXPIRED"  # the venue ended it: nothing left to close, or its position closed


class MarginType(StrEnum):
    CROSSED = "CROSSED"
    ISOLATED = "ISOLATED"


@dataclass(slots=True)
class Order:
    order_id: int
    client_order_id: str
    kind: Kind
    symbol: str  # Binance id, e.g. BTCUSDT
    side: Side
    type: OrderType
    price: Decimal  # zero for market orders
    orig_qty: Decimal
    time_in_force: str
    reduce_only: bool
    created_at: int  # ms
    updated_at: int
    status: Status = Status.NEW
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    locked: Decimal = ZERO  # what a resting spot order holds: quote to buy, base to sell
    placed_by: TriggerType | None = None  # the kind of conditional that placed it, if one did
    stop_price: Decimal = ZERO  # that conditional's trigger price
    close_position: bool = False  # that conditional closed the whole position

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def is_open(self) -> bool:
        return self.status in (Status.NEW, Status.PARTIALLY_FILLED)


@dataclass(slots=True)
class ConditionalOrder:
    """A stop, take profit or trailing stop waiting for its trigger (Binance's algo order)."""

    algo_id: int
    client_algo_id: str
    kind: Kind
    symbol: str
    side: Side
    type: TriggerType
    quantity: Decimal  # zero with close_position
    trigger_price: Decimal  # zero for a trailing stop
    price: Decimal  # the limit of STOP / TAKE_PROFIT, else zero
    callback_rate: Decimal  # percent, trailing stops only
    activation_price: Decimal  # trailing stops: tracking starts once reached (zero: at once)
    reduce_only: bool
    close_position: bool
    created_at: int
    updated_at: int
    time_in_force: str = "GTC"  # GTE_GTC: expires when its position closes
    status: AlgoStatus = AlgoStatus.NEW
    activated: bool = False
    extreme: Decimal = ZERO  # best price since activation, for trailing stops
    order_id: int | None = None  # the order it placed when triggered
    triggered_at: int = 0  # ms; zero until triggered

    @property
    def is_open(self) -> bool:
        return self.status in (AlgoStatus.NEW, AlgoStatus.TRIGGERING)


@dataclass(frozen=True, slots=True)
class Fill:
    trade_id: int
    order_id: int
    kind: Kind
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    maker: bool
    realized_pnl: Decimal
    time: int
    liquidation: bool = False


@dataclass(slots=True)
class Position:
    """A one-way-mode USDT-M position: `amount` > 0 long, < 0 short."""

    symbol: str
    leverage: int = 20
    margin_type: MarginType = MarginType.CROSSED
    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    isolated_margin: Decimal = ZERO  # the margin set aside for an isolated position
    updated_at: int = 0

    @property
    def side(self) -> int:
        return 1 if self.amount > 0 else -1 if self.amount < 0 else 0

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.amount * (mark - self.entry_price)

    def notional(self, mark: Decimal) -> Decimal:
        return abs(self.amount) * mark


@dataclass(slots=True)
class SpotBalance:
    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(slots=True)
class Account:
    """An API key's account. Like a careful user's key by default: it cannot withdraw, is
    restricted to whitelisted IPs, and trades futures in one-way mode."""

    api_key: str
    secret: str
    can_withdraw: bool = False
    ip_restricted: bool = True
    hedge_mode: bool = False
    spot: dict[str, SpotBalance] = field(default_factory=dict)
    futures_wallet: Decimal = ZERO  # USDT
    positions: dict[str, Position] = field(default_factory=dict)

    def spot_balance(self, asset: str) -> SpotBalance:
        return self.spot.setdefault(asset, SpotBalance())

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position(symbol))
