"""The engine's state in Binance's JSON shapes (numbers as strings, times in ms)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradedesk.simulator.markets import Kind, Market
from tradedesk.simulator.statistics import Window

PERPETUAL_DELIVERY = 4133404800000  # Binance's delivery date of perpetual contracts


def number(value: Decimal) -> str:
    """Binance writes numbers as plain decimal strings."""
    return f"{value.normalize():f}" if value else "0"


def _decimals(step: Decimal) -> int:
    return max(-step.normalize().as_tuple().exponent, 0)  # type: ignore[operator]


def exchange_info(markets: list[Market], kind: Kind, server_time: int) -> dict[str, Any]:
    symbols = [_symbol(market) for market in markets if market.kind is kind]
    info: dict[str, Any] = {"timezone": "UTC", "serverTime": server_time, "symbols": symbols}
    if kind is Kind.SPOT:
        info["rateLimits"] = []
    else:
        info["assets"] = [{"asset": "USDT", "marginAvailable": True}]
    return info


def _symbol(market: Market) -> dict[str, Any]:
    price_filter = {
        "filterType": "PRICE_FILTER",
        "minPrice": number(market.tick_size),
        "maxPrice": "4529764",
        "tickSize": number(market.tick_size),
    }
    lot = {
        "filterType": "LOT_SIZE",
        "minQty": number(market.min_qty),
        "maxQty": number(market.max_qty),
        "stepSize": number(market.step_size),
    }
    market_lot = {**lot, "filterType": "MARKET_LOT_SIZE", "maxQty": number(market.market_max_qty)}
    common = {
        "symbol": market.id,
        "status": "TRADING",
        "baseAsset": market.base,
        "quoteAsset": market.quote,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
    }
    if market.kind is Kind.SPOT:
        return {
            **common,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "MARKET"],
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "permissions": ["SPOT"],
            "filters": [
                price_filter,
                lot,
                market_lot,
                {
                    "filterType": "NOTIONAL",
                    "minNotional": number(market.min_notional),
                    "applyMinToMarket": True,
                    "maxNotional": "9000000",
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": market.max_num_orders},
            ],
        }
    return {
        **common,
        "pair": market.id,
        "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY,
        "onboardDate": 1569398400000,
        "marginAsset": market.quote,
        "pricePrecision": _decimals(market.tick_size),
        "quantityPrecision": _decimals(market.step_size),
        "underlyingType": "COIN",
        "triggerProtect": "0.0500",
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        "filters": [
            price_filter,
            lot,
            market_lot,
            {"filterType": "MAX_NUM_ORDERS", "limit": market.max_num_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": market.max_num_algo_orders},
            {"filterType": "MIN_NOTIONAL", "notional": number(market.min_notional)},
        ],
    }


def ticker_24hr(market: Market, day: Window) -> dict[str, Any]:
    change = day.last - day.open
    vwap = day.quote_volume / day.base_volume if day.base_volume else day.last
    ticker = {
        "symbol": market.id,
        "priceChange": number(change),
        "priceChangePercent": number((change / day.open * 100).quantize(Decimal("0.001"))),
        "weightedAvgPrice": number(vwap),
        "lastPrice": number(day.last),
        "lastQty": "0",
        "openPrice": number(day.open),
        "highPrice": number(day.high),
        "lowPrice": number(day.low),
        "volume": number(day.base_volume),
        "quoteVolume": number(day.quote_volume),
        "openTime": day.open_time,
        "closeTime": day.close_time,
        "firstId": 0,
        "lastId": day.trades,
        "count": day.trades,
    }
    if market.kind is Kind.SPOT:
        ticker.update(
            {
                "prevClosePrice": number(day.open),
                "bidPrice": number(day.last),
                "bidQty": "0",
                "askPrice": number(day.last),
                "askQty": "0",
            }
        )
    return ticker
