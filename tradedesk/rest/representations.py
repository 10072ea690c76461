"""The v1 JSON of each resource, field by field as documented; rows are never serialized."""

from __future__ import annotations

from typing import Any

from tradedesk.domain.billing import Plan
from tradedesk.domain.exchange_keys import ExchangeKey
from tradedesk.domain.market import Ticker
from tradedesk.domain.notifications import SWITCHES, NotificationMethod, NotificationSettings
from tradedesk.domain.profiles import Profile
from tradedesk.domain.strategies import RiskProfile, Strategy
from tradedesk.domain.strategy_stats import HistoryBucket, Performance
from tradedesk.domain.timestamps import iso_millis
from tradedesk.domain.trading import AssetBalance
from tradedesk.rest.responses import js_number, js_number_or_none


def plan(item: Plan) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "monthlyPriceUSD": js_number(item.monthly_price_usd),
        "maxBalanceUSD": item.max_balance_usd,
        "maxApiKey": item.max_api_key,
        "strategyAutomated": item.strategy_automated,
    }


def risk_profile(item: RiskProfile) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "percentage": js_number(item.percentage),
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def strategy(item: Strategy) -> dict[str, Any]:
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


def ticker(item: Ticker) -> dict[str, Any]:
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


def performance(item: Performance) -> dict[str, Any]:
    return {
        "netProfitPercent": js_number_or_none(item.net_profit_percent),
        "winRate": js_number_or_none(item.win_rate),
        "maxDrawDown": js_number_or_none(item.max_draw_down),
        "trades": item.trades,
        "long": item.long,
        "short": item.short,
    }


def history_bucket(item: HistoryBucket) -> dict[str, Any]:
    return {
        "start": item.start_label,
        "endAt": item.end_label,
        **performance(item),
    }


def profile(item: Profile) -> dict[str, Any]:
    return {
        "lastName": item.last_name,
        "firstName": item.first_name,
        "country": item.country,
        "language": item.language,
        "timezone": item.timezone,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def notification_method(item: NotificationMethod) -> dict[str, Any]:
    return {
        "telegramBotUrl": item.telegram_bot_url,
        "telegramAuthCode": item.telegram_auth_code,
        "telegramActive": item.telegram_active,
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def notification_settings(item: NotificationSettings) -> dict[str, Any]:
    return {
        **{name: getattr(item, attribute) for name, attribute in SWITCHES.items()},
        "createdAt": iso_millis(item.created_at),
        "updatedAt": iso_millis(item.updated_at),
    }


def exchange_key(item: ExchangeKey) -> dict[str, Any]:
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


def balances(items: list[AssetBalance]) -> dict[str, Any]:
    """ccxt's balance layout: free, used and total, each by asset."""
    return {
        part: {item.asset: js_number(getattr(item, part)) for item in items}
        for part in ("free", "used", "total")
    }
