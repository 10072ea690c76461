"""The v1 JSON of each resource, field by field as documented; rows are never serialized."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar, cast

from typing_extensions import TypedDict  # pydantic describes only this one before Python 3.12

from tradedesk.domain.alerts.model import NotificationMethod, NotificationSettings
from tradedesk.domain.alerts.notifications import SWITCHES
from tradedesk.domain.billing.model import Invoice, Subscription
from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy
from tradedesk.domain.catalog.performance import HistoryBucket, Performance
from tradedesk.domain.copying.model import CopiedTrade, FollowView
from tradedesk.domain.identity.model import Profile
from tradedesk.domain.keys.model import BalanceSnapshot, ExchangeKey
from tradedesk.domain.market.exchange import AssetBalance, Fee, Order, Position, Trade
from tradedesk.domain.market.model import Ticker
from tradedesk.domain.timestamps import iso_millis
from tradedesk.domain.trading.model import ManualTrade
from tradedesk.rest.responses import js_number, js_number_or_none

T = TypeVar("T")


class Items(TypedDict, Generic[T]):
    items: list[T]


class Page(TypedDict, Generic[T]):
    items: list[T]
    nextToken: str | None


class PlanBody(TypedDict):
    id: str
    name: str
    monthlyPriceUSD: float
    maxBalanceUSD: int
    maxApiKey: int
    strategyAutomated: bool


class UserPlanBody(TypedDict):
    id: str
    name: str
    maxBalanceUSD: int
    maxApiKey: int
    strategyAutomated: bool


class UserSubscriptionBody(TypedDict):
    paymentType: str
    SubscriptionType: UserPlanBody


class StripePlanBody(TypedDict):
    amount: int
    currency: str
    interval: str
    trialPeriodDays: int | None


class StripeSubscriptionBody(TypedDict):
    cancelAtPeriodEnd: bool
    cancelAt: str | None
    currentPeriodStart: str
    currentPeriodEnd: str
    trialStart: str | None
    trialEnd: str | None
    plan: StripePlanBody


class InvoiceBody(TypedDict):
    number: str | None
    currency: str
    amountPaid: int
    periodStart: str | None
    periodEnd: str | None
    hostedUrl: str | None
    pdf: str | None
    createdAt: str


class CheckoutBody(TypedDict):
    url: str
    successUrl: str
    cancelUrl: str


class RiskProfileBody(TypedDict):
    id: str
    name: str
    percentage: float
    createdAt: str
    updatedAt: str


class StrategyBody(TypedDict):
    id: str
    active: bool
    name: str
    description: str | None
    exchangeId: str
    symbol: str
    createdAt: str
    updatedAt: str


class TickerBody(TypedDict):
    symbol: str
    timestamp: int
    datetime: str
    high: float
    low: float
    vwap: float
    open: float
    close: float
    last: float
    change: float
    percentage: float
    average: float
    baseVolume: float
    quoteVolume: float


class PerformanceBody(TypedDict):
    netProfitPercent: float | None
    winRate: float | None
    maxDrawDown: float | None
    trades: int
    long: int
    short: int


class HistoryBucketBody(PerformanceBody):
    start: str
    endAt: str


class ProfileBody(TypedDict):
    lastName: str | None
    firstName: str | None
    country: str | None
    language: str | None
    timezone: str | None
    createdAt: str
    updatedAt: str


class NotificationMethodBody(TypedDict):
    telegramBotUrl: str
    telegramAuthCode: str
    telegramActive: bool
    createdAt: str
    updatedAt: str


class NotificationSettingsBody(TypedDict):
    weeklyReport: bool
    monthlyReport: bool
    emailNewOrder: bool
    emailTakeProfit: bool
    emailStopLoss: bool
    telegramNewOrder: bool
    telegramTakeProfit: bool
    telegramStopLoss: bool
    createdAt: str
    updatedAt: str


class ExchangeKeyBody(TypedDict):
    id: str
    exchangeId: str
    tradeType: str
    strategyType: str
    active: bool
    name: str
    apiKeyStatus: str
    apiKey: str
    createdAt: str
    updatedAt: str


class TotalBody(TypedDict):
    USD: float


class BalanceDayBody(TypedDict):
    date: str
    totalUSD: float


class BalancesBody(TypedDict):
    """Amounts by asset, in ccxt's layout."""

    free: dict[str, float]
    used: dict[str, float]
    total: dict[str, float]


class FeeBody(TypedDict):
    cost: float
    currency: str


class OrderBody(TypedDict):
    id: str
    clientOrderId: str | None
    timestamp: int | None
    datetime: str | None
    symbol: str
    type: str
    timeInForce: str | None
    postOnly: bool | None
    reduceOnly: bool | None
    side: str
    price: float | None
    stopPrice: float | None
    amount: float | None
    cost: float
    average: float | None
    filled: float
    remaining: float | None
    status: str
    fee: FeeBody | None
    trades: list[object]
    fees: list[FeeBody | None]


class TradeBody(TypedDict):
    id: str
    order: str | None
    symbol: str
    type: str | None
    datetime: str | None
    side: str
    takerOrMaker: str | None
    price: float
    amount: float
    cost: float
    fee: FeeBody | None
    fees: list[FeeBody]


class PositionBody(TypedDict):
    symbol: str
    contracts: float
    contractSize: float
    unrealizedPnl: float
    leverage: float
    liquidationPrice: float | None
    collateral: float
    notional: float
    markPrice: float
    entryPrice: float
    initialMargin: float
    initialMarginPercentage: float
    maintenanceMargin: float
    maintenanceMarginPercentage: float
    marginRatio: float | None
    datetime: str | None
    marginMode: str
    marginType: str
    side: str
    hedged: bool
    percentage: float | None


class TradeFieldsBody(TypedDict):
    orderId: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None
    stopType: str | None
    takeProfit: list[float]
    trailingTriggerPrice: float | None


class ManualTradeBody(TradeFieldsBody):
    callbackRate: float | None
    riskProfilePercent: float | None
    createdAt: str


class FollowedStrategyBody(TypedDict):
    id: str
    active: bool
    exchangeId: str
    symbol: str


class FollowedRiskProfileBody(TypedDict):
    id: str
    percentage: float


class FollowBody(TypedDict):
    id: str
    active: bool
    createdAt: str
    updatedAt: str
    StrategyAutomated: FollowedStrategyBody
    StrategyRiskProfile: FollowedRiskProfileBody


class TriggerStrategyBody(TypedDict):
    name: str
    exchangeId: str
    symbol: str


class TriggerBody(TypedDict):
    StrategyAutomated: TriggerStrategyBody
    tradeSide: str


class CopiedTradeBody(TradeFieldsBody):
    leverage: int | None
    callbackRate: float | None
    riskProfilePercent: float
    createdAt: str
    StrategyAutomatedTrigger: TriggerBody


def plan(item: Plan) -> PlanBody:
    return {
        "id": item.id,
        "name": item.name,
        "monthlyPriceUSD": js_number(item.monthly_price_usd),
        "maxBalanceUSD": item.max_balance_usd,
        "maxApiKey": item.max_api_key,
        "strategyAutomated": item.strategy_automated,
    }


def user_subscription(item: Plan) -> UserSubscriptionBody:
    """`GET /v1/priv/account/subscription`: the plan the user has, public or private."""
    return {
        "paymentType": "STRIPE",
        "SubscriptionType": {
            "id": item.id,
            "name": item.name,
            "maxBalanceUSD": item.max_balance_usd,
            "maxApiKey": item.max_api_key,
            "strategyAutomated": item.strategy_automated,
        },
    }


def stripe_subscription(item: Subscription) -> StripeSubscriptionBody:
    """`GET /v1/priv/account/subscription/stripe`."""
    return {
        "cancelAtPeriodEnd": item.cancel_at_period_end,
        "cancelAt": _iso_or_none(item.cancel_at),
        "currentPeriodStart": iso_millis(item.current_period_start),
        "currentPeriodEnd": iso_millis(item.current_period_end),
        "trialStart": _iso_or_none(item.trial_start),
        "trialEnd": _iso_or_none(item.trial_end),
        "plan": {
            "amount": item.amount,
            "currency": item.currency,
            "interval": item.interval,
            "trialPeriodDays": item.trial_period_days,
        },
    }


def invoice(item: Invoice) -> InvoiceBody:
    """One item of `GET /v1/priv/account/subscription/stripe/billing/history`."""
    return {
        "number": item.number,
        "currency": item.currency,
        "amountPaid": item.amount_paid,
        "periodStart": _iso_or_none(item.period_start),
        "periodEnd": _iso_or_none(item.period_end),
        "hostedUrl": item.hosted_url,
        "pdf": item.pdf,
        "createdAt": iso_millis(item.created_at),
    }


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso_millis(moment)


def risk_profile(item: RiskProfile) -> RiskProfileBody:
    return {
        "id": item.id,
        "name": item.name,
        "percentage": js_number(item.percentage),
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def strategy(item: Strategy) -> StrategyBody:
    return {
        "id": item.id,
        "active": item.active,
        "name": item.name,
        "description": item.description,
        "exchangeId": item.exchange_id.value,
        "symbol": item.symbol,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def ticker(item: Ticker) -> TickerBody:
    return {
        "symbol": item.symbol,
        "timestamp": item.timestamp,
        "datetime": item.datetime,
        "high": js_number(item.high),
        "low": js_number(item.low),
        "vwap": js_number(item.vwap),
        "open": js_number(item.open),
        "close": js_number(item.close),
        "last": js_number(item.last),
        "change": js_number(item.change),
        "percentage": js_number(item.percentage),
        "average": js_number(item.average),
        "baseVolume": js_number(item.base_volume),
        "quoteVolume": js_number(item.quote_volume),
    }


def performance(item: Performance) -> PerformanceBody:
    return {
        "netProfitPercent": js_number_or_none(item.net_profit_percent),
        "winRate": js_number_or_none(item.win_rate),
        "maxDrawDown": js_number_or_none(item.max_draw_down),
        "trades": item.trades,
        "long": item.long,
        "short": item.short,
    }


def history_bucket(item: HistoryBucket) -> HistoryBucketBody:
    return {
        "start": item.start_label,
        "endAt": item.end_label,
        **performance(item),
    }


def profile(item: Profile) -> ProfileBody:
    return {
        "lastName": item.last_name,
        "firstName": item.first_name,
        "country": item.country,
        "language": item.language,
        "timezone": item.timezone,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def notification_method(item: NotificationMethod) -> NotificationMethodBody:
    return {
        "telegramBotUrl": item.telegram_bot_url,
        "telegramAuthCode": item.telegram_auth_code,
        "telegramActive": item.telegram_active,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def notification_settings(item: NotificationSettings) -> NotificationSettingsBody:
    body = {name: getattr(item, attribute) for name, attribute in SWITCHES.items()}
    return cast(  # SWITCHES names every switch of the body
        NotificationSettingsBody,
        body | {"createdAt": iso_millis(item.created_at), "updatedAt": iso_millis(item.updated_at)},
    )


def exchange_key(item: ExchangeKey) -> ExchangeKeyBody:
    """Never the secret: the row's sealed secret does not even reach this function."""
    return {
        "id": item.id,
        "exchangeId": item.exchange_id.value,
        "tradeType": item.trade_type.value,
        "strategyType": item.strategy_type.value,
        "active": item.active,
        "name": item.name,
        "apiKeyStatus": item.api_key_status.value,
        "apiKey": item.api_key,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def balances(items: list[AssetBalance]) -> BalancesBody:
    """ccxt's balance layout: free, used and total, each by asset."""

    def by_asset(part: str) -> dict[str, float]:
        return {item.asset: js_number(getattr(item, part)) for item in items}

    return {"free": by_asset("free"), "used": by_asset("used"), "total": by_asset("total")}


def balance_day(item: BalanceSnapshot) -> BalanceDayBody:
    return {"date": item.day.isoformat(), "totalUSD": js_number(item.total_usd)}


def _fee(item: Fee | None) -> FeeBody | None:
    return None if item is None else {"cost": js_number(item.cost), "currency": item.currency}


def order(item: Order) -> OrderBody:
    """ccxt's unified order, as the v1 examples show it."""
    return {
        "id": item.id,
        "clientOrderId": item.client_order_id,
        "timestamp": item.timestamp,
        "datetime": item.datetime,
        "symbol": item.symbol,
        "type": item.type,
        "timeInForce": item.time_in_force,
        "postOnly": item.post_only,
        "reduceOnly": item.reduce_only,
        "side": item.side,
        "price": js_number_or_none(item.price),
        "stopPrice": js_number_or_none(item.stop_price),
        "amount": js_number_or_none(item.amount),
        "cost": js_number(item.cost),
        "average": js_number_or_none(item.average),
        "filled": js_number(item.filled),
        "remaining": js_number_or_none(item.remaining),
        "status": item.status,
        "fee": _fee(item.fee),
        "trades": [],
        "fees": [_fee(fee) for fee in item.fees],
    }


def trade(item: Trade) -> TradeBody:
    return {
        "id": item.id,
        "order": item.order,
        "symbol": item.symbol,
        "type": item.type,
        "datetime": item.datetime,
        "side": item.side,
        "takerOrMaker": item.taker_or_maker,
        "price": js_number(item.price),
        "amount": js_number(item.amount),
        "cost": js_number(item.cost),
        "fee": _fee(item.fee),
        "fees": [{"currency": fee.currency, "cost": js_number(fee.cost)} for fee in item.fees],
    }


def position(item: Position) -> PositionBody:
    return {
        "symbol": item.symbol,
        "contracts": js_number(item.contracts),
        "contractSize": js_number(item.contract_size),
        "unrealizedPnl": js_number(item.unrealized_pnl),
        "leverage": js_number(item.leverage),
        "liquidationPrice": js_number_or_none(item.liquidation_price),
        "collateral": js_number(item.collateral),
        "notional": js_number(item.notional),
        "markPrice": js_number(item.mark_price),
        "entryPrice": js_number(item.entry_price),
        "initialMargin": js_number(item.initial_margin),
        "initialMarginPercentage": js_number(item.initial_margin_percentage),
        "maintenanceMargin": js_number(item.maintenance_margin),
        "maintenanceMarginPercentage": js_number(item.maintenance_margin_percentage),
        "marginRatio": js_number_or_none(item.margin_ratio),
        "datetime": item.datetime,
        "marginMode": item.margin_mode,
        "marginType": item.margin_mode,
        "side": item.side,
        "hedged": item.hedged,
        "percentage": js_number_or_none(item.percentage),
    }


def _trade_fields(item: ManualTrade | CopiedTrade) -> TradeFieldsBody:
    """The fields both trade histories open with, in the documented order."""
    return {
        "orderId": item.order_id,
        "price": js_number_or_none(item.price),
        "amount": js_number_or_none(item.amount),
        "cost": js_number_or_none(item.cost),
        "stop": js_number_or_none(item.stop),
        "stopType": item.stop_type,
        "takeProfit": [js_number(price) for price in item.take_profit],
        "trailingTriggerPrice": js_number_or_none(item.trailing_trigger_price),
    }


def manual_trade(item: ManualTrade) -> ManualTradeBody:
    return {
        **_trade_fields(item),
        "callbackRate": js_number_or_none(item.callback_rate),
        "riskProfilePercent": js_number_or_none(item.risk_profile_percent),
        "createdAt": iso_millis(item.created_at),
    }


def follow(item: FollowView) -> FollowBody:
    return {
        "id": item.follow.id,
        "active": item.follow.active,
        "createdAt": iso_millis(item.follow.created_at),
        "updatedAt": iso_millis(item.follow.updated_at),
        "StrategyAutomated": {
            "id": item.strategy.id,
            "active": item.strategy.active,
            "exchangeId": item.strategy.exchange_id.value,
            "symbol": item.strategy.symbol,
        },
        "StrategyRiskProfile": {
            "id": item.risk_profile.id,
            "percentage": js_number(item.risk_profile.percentage),
        },
    }


def copied_trade(item: CopiedTrade) -> CopiedTradeBody:
    return {
        **_trade_fields(item),
        "leverage": item.leverage,
        "callbackRate": js_number_or_none(item.callback_rate),
        "riskProfilePercent": js_number(item.risk_profile_percent),
        "createdAt": iso_millis(item.created_at),
        "StrategyAutomatedTrigger": {
            "StrategyAutomated": {
                "name": item.strategy_name,
                "exchangeId": item.exchange_id,
                "symbol": item.symbol,
            },
            "tradeSide": item.trade_side,
        },
    }
