"""GraphQL types of copy trading: operators' strategies and signals, followers' history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.schema.account_types import FieldErrorType
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.types import StrategyType


@strawberry.input(description="A new strategy on a futures market (operators only).")
class CreateStrategyInput:
    name: str
    exchange_id: str = strawberry.field(description="BINANCE")
    symbol: str = strawberry.field(description="e.g. BTC/USDT")
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input(description="Only the fields given change; the market never does.")
class UpdateStrategyInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class StrategyPayload:
    strategy: StrategyType | None
    errors: list[FieldErrorType]


@strawberry.type
class StrategyWebhookPayload:
    secret: str | None = strawberry.field(
        description="Sign POST /webhooks/strategy/<id> deliveries with it; shown only now."
    )
    errors: list[FieldErrorType]


@strawberry.input(description="What a strategy does now; OPEN needs side and stopPrice.")
class PublishSignalInput:
    strategy_id: strawberry.ID
    action: str = strawberry.field(description="OPEN or CLOSE")
    side: str | None = strawberry.field(default=strawberry.UNSET, description="BUY or SELL")
    entry_type: str | None = strawberry.field(
        default=strawberry.UNSET, description="MARKET (default) or LIMIT"
    )
    price: float | None = strawberry.field(
        default=strawberry.UNSET, description="The limit of a LIMIT entry."
    )
    stop_price: float | None = strawberry.field(
        default=strawberry.UNSET, description="Every follower is sized so this loses their risk."
    )
    stop_type: str | None = strawberry.field(
        default=strawberry.UNSET, description="MARKET (default) or LIMIT"
    )
    take_profit_prices: list[float] | None = strawberry.UNSET
    callback_rate: float | None = strawberry.UNSET
    breakeven_after_take_profit: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Once the Nth take profit fills on a follower's key, that follower's stop"
        " moves to their entry price.",
    )


@strawberry.type(name="Signal", description="A signal as accepted.")
class SignalType:
    id: strawberry.ID
    strategy_id: strawberry.ID
    action: str
    side: str | None
    entry_type: str
    price: float | None
    stop_price: float | None
    stop_type: str
    take_profit_prices: list[float]
    callback_rate: float | None
    reference_price: float | None = strawberry.field(
        description="The entry it was checked against: the limit, or the market's last price."
    )
    created_at: datetime
    copies: int = strawberry.field(description="Followers it goes to.")


@strawberry.type
class PublishSignalPayload:
    signal: SignalType | None
    errors: list[FieldErrorType]


@strawberry.type(name="SignalStats", description="How a signal's copies went (operators).")
class SignalStatsType:
    placed: int
    skipped: int
    failed: int
    pending: int
    p50_latency_ms: int | None = strawberry.field(
        description="From the signal accepted to the entry's answer (filled, for MARKET)."
    )
    p99_latency_ms: int | None
    mean_slippage_bps: float | None = strawberry.field(
        description="Entry prices against the signal's, in basis points; + when worse."
    )


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


@strawberry.type(name="SignalCopy", description="One of the caller's copies of a signal.")
class SignalCopyType:
    signal_id: strawberry.ID
    key_id: strawberry.ID
    symbol: str
    status: str = strawberry.field(description="PENDING, PLACED, SKIPPED or FAILED")
    reason: str | None = strawberry.field(description="Why it was skipped or failed.")
    order_id: str | None
    price: float | None
    amount: float | None
    leverage: int | None
    latency_ms: int | None
    slippage_bps: float | None
    created_at: datetime


@strawberry.type(name="TriggerStrategy", description="The v1 `StrategyAutomated` of a trigger.")
class TriggerStrategyType:
    name: str
    exchange_id: str
    symbol: str


@strawberry.type(name="StrategyTrigger", description="The v1 `StrategyAutomatedTrigger`.")
class StrategyTriggerType:
    strategy: TriggerStrategyType
    trade_side: str


@strawberry.type(name="StrategyTrade", description="A trade a strategy placed on a key.")
class StrategyTradeType:
    order_id: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None
    stop_type: str | None
    take_profit: list[float]
    trailing_trigger_price: float | None
    leverage: int | None
    callback_rate: float | None
    risk_profile_percent: float
    created_at: datetime
    trigger: StrategyTriggerType


@strawberry.type(name="StrategyTradeEdge")
class StrategyTradeEdge:
    cursor: str
    node: StrategyTradeType


@strawberry.type(name="StrategyTradeConnection", description="Copied trades, newest first.")
class StrategyTradeConnection:
    edges: list[StrategyTradeEdge]
    page_info: PageInfo
