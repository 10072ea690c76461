"""ccxt's unified structures (plain dicts) read into the domain's trading types.

Whatever the exchange leaves out stays None rather than being invented; a structure missing
what the domain cannot do without (an id, a symbol, an amount) is a `MalformedAnswer`, which
the gateway reports as the exchange's 1500.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradedesk.domain.market.exchange import (
    AssetBalance,
    Fee,
    MarketRules,
    Order,
    Position,
    Trade,
    from_exchange_symbol,
)


class MalformedAnswer(Exception):
    """The exchange answered, but not with a structure the platform can trust."""


def _number(raw: dict[str, Any], key: str) -> float:
    value = raw.get(key)
    if value is None:
        raise MalformedAnswer(key)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise MalformedAnswer(key) from None


def _optional(raw: dict[str, Any], key: str) -> float | None:
    return None if raw.get(key) is None else _number(raw, key)


def _fee(raw: Any) -> Fee | None:
    if not isinstance(raw, dict) or raw.get("cost") is None or raw.get("currency") is None:
        return None
    return Fee(currency=str(raw["currency"]), cost=float(raw["cost"]))


def _fees(raw: dict[str, Any]) -> tuple[Fee, ...]:
    return tuple(fee for fee in map(_fee, raw.get("fees") or []) if fee is not None)


def _order_type(raw: dict[str, Any]) -> str:
    """Binance's own type, lowercased (`take_profit`, as the v1 examples show): ccxt folds the
    conditional types into `limit` or `market`."""
    info = raw.get("info") or {}
    native = info.get("orderType") or info.get("type") or raw["type"]
    return str(native).lower()


def order(raw: dict[str, Any], *, conditional: bool = False) -> Order:
    try:
        return Order(
            id=str(raw["id"]),
            client_order_id=raw.get("clientOrderId"),
            timestamp=raw.get("timestamp"),
            datetime=raw.get("datetime"),
            symbol=from_exchange_symbol(raw["symbol"]),
            type=_order_type(raw),
            side=str(raw["side"]),
            time_in_force=raw.get("timeInForce"),
            post_only=bool(raw.get("postOnly")),
            reduce_only=bool(raw.get("reduceOnly")),
            price=_optional(raw, "price"),
            stop_price=_optional(raw, "triggerPrice") or _optional(raw, "stopPrice"),
            amount=_optional(raw, "amount") or None,
            cost=_optional(raw, "cost") or 0.0,
            average=_optional(raw, "average"),
            filled=_optional(raw, "filled") or 0.0,
            remaining=_optional(raw, "remaining") if raw.get("amount") else None,
            status=str(raw["status"]),
            fee=_fee(raw.get("fee")),
            fees=_fees(raw),
            conditional=conditional,
            triggering=conditional and (raw.get("info") or {}).get("algoStatus") == "TRIGGERING",
        )
    except KeyError as missing:
        raise MalformedAnswer(str(missing)) from None


def trade(raw: dict[str, Any]) -> Trade:
    try:
        return Trade(
            id=str(raw["id"]),
            order=raw.get("order"),
            timestamp=int(raw["timestamp"]),
            datetime=str(raw["datetime"]),
            symbol=from_exchange_symbol(raw["symbol"]),
            type=raw.get("type"),
            side=str(raw["side"]),
            taker_or_maker=raw.get("takerOrMaker"),
            price=_number(raw, "price"),
            amount=_number(raw, "amount"),
            cost=_number(raw, "cost"),
            fee=_fee(raw.get("fee")),
            fees=_fees(raw),
        )
    except (KeyError, TypeError) as missing:
        raise MalformedAnswer(str(missing)) from None


def position(raw: dict[str, Any]) -> Position:
    try:
        return Position(
            symbol=from_exchange_symbol(raw["symbol"]),
            contracts=_number(raw, "contracts"),
            contract_size=_optional(raw, "contractSize") or 1.0,
            unrealized_pnl=_number(raw, "unrealizedPnl"),
            leverage=_number(raw, "leverage"),
            liquidation_price=_optional(raw, "liquidationPrice"),
            collateral=_optional(raw, "collateral") or 0.0,
            notional=abs(_number(raw, "notional")),
            mark_price=_number(raw, "markPrice"),
            entry_price=_number(raw, "entryPrice"),
            initial_margin=_optional(raw, "initialMargin") or 0.0,
            initial_margin_percentage=_optional(raw, "initialMarginPercentage") or 0.0,
            maintenance_margin=_optional(raw, "maintenanceMargin") or 0.0,
            maintenance_margin_percentage=_optional(raw, "maintenanceMarginPercentage") or 0.0,
            margin_ratio=_optional(raw, "marginRatio"),
            timestamp=raw.get("timestamp"),
            datetime=raw.get("datetime"),
            margin_mode=str(raw["marginMode"]),
            side=str(raw["side"]),
            hedged=bool(raw.get("hedged")),
            percentage=_optional(raw, "percentage"),
        )
    except KeyError as missing:
        raise MalformedAnswer(str(missing)) from None


def market_rules(symbol: str, market: dict[str, Any]) -> MarketRules:
    """From Binance's own filters, which ccxt keeps in the market's `info`, exactly."""
    filters = {f.get("filterType"): f for f in (market.get("info") or {}).get("filters", [])}
    try:
        lot = filters["LOT_SIZE"]
        notional = filters.get("MIN_NOTIONAL") or filters.get("NOTIONAL") or {}
        orders = filters.get("MAX_NUM_ORDERS") or {}
        algo = filters.get("MAX_NUM_ALGO_ORDERS")
        return MarketRules(
            symbol=symbol,
            tick_size=Decimal(filters["PRICE_FILTER"]["tickSize"]),
            step_size=Decimal(lot["stepSize"]),
            min_amount=Decimal(lot["minQty"]),
            max_amount=Decimal(lot["maxQty"]),
            market_max_amount=Decimal((filters.get("MARKET_LOT_SIZE") or lot)["maxQty"]),
            min_notional=Decimal(notional.get("notional") or notional.get("minNotional") or 0),
            max_orders=int(orders.get("limit") or orders.get("maxNumOrders") or 200),
            # Binance dropped the filter on USDⓈ-M for an account-wide cap it does not list;
            # the platform places no conditional orders on spot
            max_algo_orders=(None if market.get("contract") else 0)
            if algo is None
            else int(algo.get("limit") or algo.get("maxNumAlgoOrders") or 0),
        )
    except (KeyError, TypeError, ArithmeticError) as missing:
        raise MalformedAnswer(f"filters: {missing}") from None


def balances(raw: dict[str, Any]) -> list[AssetBalance]:
    """Assets with a non-zero total, by name."""
    totals = raw.get("total")
    if not isinstance(totals, dict):
        raise MalformedAnswer("total")
    found = []
    for asset, total in sorted(totals.items()):
        if not total:
            continue
        entry = raw.get(asset) or {}
        found.append(
            AssetBalance(
                asset=asset,
                free=float(entry.get("free") or 0),
                used=float(entry.get("used") or 0),
                total=float(total),
            )
        )
    return found
