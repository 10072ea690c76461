"""GraphQL types and mutations of copying: strategy follows (the v1 fields, with the strategy
and risk profile as the public types the catalog queries already serve), signals, their copies
and followers' history of copied trades."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.domain.copying.model import CopyReason, FollowDirection, FollowSizing, FollowView
from tradedesk.domain.copying.preview import FollowPreview
from tradedesk.domain.errors import FieldError
from tradedesk.domain.numbers import as_float
from tradedesk.resolvers import copy_trading, follows
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.catalog import RiskProfileType, StrategyType
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields
from tradedesk.schema.paging import PageInfo


@strawberry.type(name="StrategyFollow", description="An AUTOMATED key copying a strategy.")
class StrategyFollowType:
    id: strawberry.ID
    active: bool
    created_at: datetime
    updated_at: datetime
    max_leverage: int | None = strawberry.field(description="Copies never use more.")
    daily_loss_limit_percent: float | None = strawberry.field(
        description="Copying pauses for the rest of the UTC day once the key lost this share."
    )
    paused_reason: str | None = strawberry.field(
        description="Why the platform paused it (a plan without automation); null otherwise."
    )
    sizing: FollowSizing = strawberry.field(description="How big each copy is.")
    notional_usdt: float | None = strawberry.field(
        description="Each copy's notional with FIXED_NOTIONAL."
    )
    equity_percent: float | None = strawberry.field(
        description="Each copy's notional as this share of equity, with EQUITY_PERCENT."
    )
    max_notional_usdt: float | None = strawberry.field(
        description="No copy opens more notional, whatever the sizing."
    )
    direction: FollowDirection = strawberry.field(
        description="Which of the strategy's trades are copied."
    )
    max_entry_slippage_percent: float | None = strawberry.field(
        description="A MARKET copy is skipped when the market moved further from the signal's "
        "price before it is placed."
    )
    portfolio_stop_percent: float | None = strawberry.field(
        description="Once the key's equity falls this far below its high-water mark, the "
        "strategy's position is closed and the follow paused."
    )
    high_water_usdt: float | None = strawberry.field(
        description="The key's highest equity since the follow started or was last resumed, "
        "as the portfolio stop last read it."
    )
    strategy: StrategyType = strawberry.field(description="The v1 `StrategyAutomated`.")
    risk_profile: RiskProfileType = strawberry.field(description="The v1 `StrategyRiskProfile`.")


@strawberry.input(description="A follow's options beyond the v1 body; null clears one.")
class FollowOptionsInput:
    max_leverage: int | None = strawberry.field(
        default=strawberry.UNSET, description="1-125; null removes the cap."
    )
    daily_loss_limit_percent: float | None = strawberry.field(
        default=strawberry.UNSET, description="0.1-100; null removes the circuit breaker."
    )
    sizing: FollowSizing | None = strawberry.field(
        default=strawberry.UNSET, description="RISK when not given; null sets RISK."
    )
    notional_usdt: float | None = strawberry.field(
        default=strawberry.UNSET, description="Each copy's notional; required with FIXED_NOTIONAL."
    )
    equity_percent: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="Each copy's share of equity, from 0.01 to 100; required with EQUITY_PERCENT.",
    )
    max_notional_usdt: float | None = strawberry.field(
        default=strawberry.UNSET, description="A cap on each copy's notional; null removes it."
    )
    direction: FollowDirection | None = strawberry.field(
        default=strawberry.UNSET,
        description="BOTH when not given; null sets BOTH. An OPEN the other way is skipped, "
        "and closes what the strategy's earlier trade left open on the key.",
    )
    max_entry_slippage_percent: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="0.01 to 100: a MARKET copy is skipped when the market moved "
        "further than this from the signal's price before it is placed; null removes it.",
    )
    portfolio_stop_percent: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="0.01 to 100: once the key's futures equity falls this far below "
        "its highest since the follow started or was resumed, the strategy's position is "
        "closed and the follow paused; null removes it.",
    )


@strawberry.input(description="Follow a strategy with a key; the v1 body's fields.")
class FollowStrategyInput(FollowOptionsInput):
    strategy_automated_id: str
    strategy_risk_profile_id: str
    active: bool | None = strawberry.UNSET


@strawberry.input(description="Only the given fields change; a new strategy keeps the symbol.")
class UpdateStrategyFollowInput(FollowOptionsInput):
    strategy_automated_id: str | None = strawberry.UNSET
    strategy_risk_profile_id: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type(
    name="FollowPreview",
    description="What a copy on the key would be now, for the strategy's latest OPEN signal "
    "(or, before its first, a stop 2 % from the market).",
)
class FollowPreviewType:
    feasible: bool = strawberry.field(description="False: `reason` and `reasonCode` say why.")
    amount: float | None = strawberry.field(description="In the base asset, at the lot step.")
    notional_usdt: float | None
    leverage: int | None
    risk_usdt: float | None = strawberry.field(description="What hitting the stop would lose.")
    side: str = strawberry.field(description="BUY or SELL")
    entry_price: float = strawberry.field(
        description="The signal's limit, or the market's last price."
    )
    stop_price: float
    signal_id: strawberry.ID | None = strawberry.field(
        description="The OPEN signal it is sized for; null for the hypothetical 2 % stop."
    )
    reason: str | None
    reason_code: CopyReason | None

    @classmethod
    def of(cls, preview: FollowPreview) -> FollowPreviewType:
        return cls(
            feasible=preview.feasible,
            amount=as_float(preview.amount),
            notional_usdt=as_float(preview.notional_usdt),
            leverage=preview.leverage,
            risk_usdt=as_float(preview.risk_usdt),
            side=preview.side.value.upper(),
            entry_price=float(preview.entry_price),
            stop_price=float(preview.stop_price),
            signal_id=None if preview.signal_id is None else strawberry.ID(preview.signal_id),
            reason=preview.reason,
            reason_code=preview.reason_code,
        )


@strawberry.type
class StrategyFollowPayload:
    follow: FollowView | None = strawberry.field(graphql_type=StrategyFollowType | None)
    errors: list[FieldError] = field_errors()


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
    errors: list[FieldError] = field_errors()


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


@strawberry.type(name="SignalCopy", description="One of the caller's copies of a signal.")
class SignalCopyType:
    signal_id: strawberry.ID
    follow_id: strawberry.ID = strawberry.field(description="The follow it was made for.")
    key_id: strawberry.ID
    symbol: str
    status: str = strawberry.field(description="PENDING, PLACED, SKIPPED or FAILED")
    reason: str | None = strawberry.field(description="Why it was skipped or failed.")
    reason_code: CopyReason | None = strawberry.field(
        description="The reason as a code, on every SKIPPED or FAILED copy (but those made "
        "before codes were kept, 2026-12); null otherwise."
    )
    order_id: str | None
    price: float | None
    amount: float | None
    leverage: int | None
    latency_ms: int | None
    slippage_bps: float | None
    created_at: datetime


@strawberry.type
class StrategyWebhookPayload:
    secret: str | None = strawberry.field(
        description="Sign POST /webhooks/strategy/<id> deliveries with it; shown only now."
    )
    errors: list[FieldError] = field_errors()


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


@strawberry.type
class FollowMutation:
    """Which strategies the caller's keys follow."""

    @strawberry.mutation(description="Copy a strategy with an AUTOMATED futures key.")
    async def follow_strategy(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: FollowStrategyInput
    ) -> StrategyFollowPayload:
        found, errors = await follows.follow_strategy(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return StrategyFollowPayload(follow=found, errors=errors)

    @strawberry.mutation(description="Pause, resume or change a follow; the symbol stays.")
    async def update_strategy_follow(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateStrategyFollowInput
    ) -> StrategyFollowPayload:
        found, errors = await follows.update_strategy_follow(
            info, str(id), given_fields(input, info)
        )
        return StrategyFollowPayload(follow=found, errors=errors)


@strawberry.type
class SignalMutation:
    """Operators' signals and the webhooks that publish them."""

    @strawberry.mutation(description="Operators: a new secret for the strategy's webhook.")
    async def rotate_strategy_webhook_secret(
        self, info: GraphInfo, id: strawberry.ID
    ) -> StrategyWebhookPayload:
        secret, errors = await copy_trading.rotate_webhook_secret(info, str(id))
        return StrategyWebhookPayload(secret=secret, errors=errors)

    @strawberry.mutation(
        description="Operators: OPEN or CLOSE a strategy's position; every active follower's"
        " key copies it."
    )
    async def publish_signal(
        self, info: GraphInfo, input: PublishSignalInput
    ) -> PublishSignalPayload:
        published, errors = await copy_trading.publish_signal(info, given_fields(input, info))
        signal = None if published is None else SignalType(**copy_trading.signal_fields(published))
        return PublishSignalPayload(signal=signal, errors=errors)
