"""The engine's state in Binance's JSON shapes (numbers as strings, times in ms)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.markets import Kind, Market
from tradedesk.simulator.orders import (
    ZERO,
    Account,
    ConditionalOrder,
    Fill,
    MarginType,
    Order,
    Position,
    Side,
)
from tradedesk.simulator.statistics import Window

PERPETUAL_DELIVERY = 4133404800000  # Binance's delivery date of perpetual contracts


def number(value: Decimal) -> str:
    """Binance writes numbers as plain decimal strings."""
    return f"{value.normalize():f}" if value else "0"


def _decimals(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a finite step: not NaN or infinity
    return max(-exponent, 0)


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
            *(
                [{"filterType": "MAX_NUM_ALGO_ORDERS", "limit": market.max_num_algo_orders}]
                if market.max_num_algo_orders is not None
                else []
            ),
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


def spot_order(order: Order, fills: list[Fill] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "transactTime": order.updated_at,
        "time": order.created_at,
        "updateTime": order.updated_at,
        "price": number(order.price),
        "origQty": number(order.orig_qty),
        "executedQty": number(order.executed_qty),
        "cummulativeQuoteQty": number(order.cum_quote),
        "status": order.status.value,
        "timeInForce": order.time_in_force,
        "type": order.type.value,
        "side": order.side.value,
        "workingTime": order.created_at,
        "isWorking": True,
    }
    if fills is not None:
        body["fills"] = [
            {
                "price": number(fill.price),
                "qty": number(fill.qty),
                "commission": number(fill.commission),
                "commissionAsset": fill.commission_asset,
                "tradeId": fill.trade_id,
            }
            for fill in fills
        ]
    return body


def futures_order(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status.value,
        "clientOrderId": order.client_order_id,
        "price": number(order.price),
        "avgPrice": number(order.avg_price),
        "origQty": number(order.orig_qty),
        "executedQty": number(order.executed_qty),
        "cumQty": number(order.executed_qty),
        "cumQuote": number(order.cum_quote),
        "timeInForce": order.time_in_force,
        "type": order.type.value,
        "origType": (order.placed_by or order.type).value,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": order.side.value,
        "positionSide": "BOTH",
        "stopPrice": number(order.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "time": order.created_at,
        "updateTime": order.updated_at,
    }


def algo_order(order: ConditionalOrder) -> dict[str, Any]:
    body: dict[str, Any] = {
        "algoId": order.algo_id,
        "clientAlgoId": order.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": order.type.value,
        "symbol": order.symbol,
        "side": order.side.value,
        "positionSide": "BOTH",
        "timeInForce": order.time_in_force,
        "quantity": number(order.quantity),
        "algoStatus": order.status.value,
        "triggerPrice": number(order.trigger_price),
        "price": number(order.price),
        "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "closePosition": order.close_position,
        "priceProtect": False,
        "reduceOnly": order.reduce_only,
        "createTime": order.created_at,
        "updateTime": order.updated_at,
        "triggerTime": order.triggered_at,
        "goodTillDate": 0,
    }
    if order.callback_rate:
        body["callbackRate"] = number(order.callback_rate)
        body["activatePrice"] = number(order.activation_price) if order.activation_price else None
    return body


def spot_trade(fill: Fill) -> dict[str, Any]:
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "orderListId": -1,
        "price": number(fill.price),
        "qty": number(fill.qty),
        "quoteQty": number(fill.quote_qty),
        "commission": number(fill.commission),
        "commissionAsset": fill.commission_asset,
        "time": fill.time,
        "isBuyer": fill.side is Side.BUY,
        "isMaker": fill.maker,
        "isBestMatch": True,
    }


def futures_trade(fill: Fill) -> dict[str, Any]:
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "side": fill.side.value,
        "price": number(fill.price),
        "qty": number(fill.qty),
        "quoteQty": number(fill.quote_qty),
        "realizedPnl": number(fill.realized_pnl),
        "commission": number(fill.commission),
        "commissionAsset": fill.commission_asset,
        "time": fill.time,
        "positionSide": "BOTH",
        "buyer": fill.side is Side.BUY,
        "maker": fill.maker,
    }


def spot_account(account: Account, now: int) -> dict[str, Any]:
    return {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "updateTime": now,
        "accountType": "SPOT",
        "balances": [
            {"asset": asset, "free": number(balance.free), "locked": number(balance.locked)}
            for asset, balance in sorted(account.spot.items())
        ],
        "permissions": ["SPOT"],
    }


def futures_account(engine: PaperExchange, account: Account, now: int) -> dict[str, Any]:
    unrealized = engine.unrealized_pnl(account)
    available = engine.available_balance(account)
    used = account.futures_wallet + unrealized - available
    wallet = number(account.futures_wallet)
    return {
        "totalInitialMargin": number(used),
        "totalMaintMargin": "0",
        "totalWalletBalance": wallet,
        "totalUnrealizedProfit": number(unrealized),
        "totalMarginBalance": number(account.futures_wallet + unrealized),
        "totalPositionInitialMargin": number(used),
        "totalOpenOrderInitialMargin": "0",
        "totalCrossWalletBalance": wallet,
        "totalCrossUnPnl": number(unrealized),
        "availableBalance": number(available),
        "maxWithdrawAmount": number(max(available, ZERO)),
        "assets": [
            {
                "asset": "USDT",
                "walletBalance": wallet,
                "unrealizedProfit": number(unrealized),
                "marginBalance": number(account.futures_wallet + unrealized),
                "maintMargin": "0",
                "initialMargin": number(used),
                "positionInitialMargin": number(used),
                "openOrderInitialMargin": "0",
                "crossWalletBalance": wallet,
                "crossUnPnl": number(unrealized),
                "availableBalance": number(available),
                "maxWithdrawAmount": number(max(available, ZERO)),
                "updateTime": now,
            }
        ],
        "positions": [
            position_risk(engine, account, position)
            for position in account.positions.values()
            if position.amount
        ],
    }


def position_risk(engine: PaperExchange, account: Account, position: Position) -> dict[str, Any]:
    mark = engine.price(Kind.FUTURES, position.symbol)
    market = engine.market(Kind.FUTURES, position.symbol)
    notional = position.amount * mark
    initial = abs(notional) / position.leverage
    return {
        "symbol": position.symbol,
        "positionSide": "BOTH",
        "positionAmt": number(position.amount),
        "entryPrice": number(position.entry_price),
        "breakEvenPrice": number(position.entry_price),
        "markPrice": number(mark),
        "unRealizedProfit": number(position.unrealized_pnl(mark)),
        "liquidationPrice": number(engine.liquidation_price(account, position.symbol)),
        "isolatedMargin": number(position.isolated_margin),
        "notional": number(notional),
        "marginAsset": "USDT",
        "isolatedWallet": number(position.isolated_margin),
        "initialMargin": number(initial),
        "maintMargin": number(abs(notional) * market.bracket_for(abs(notional)).maintenance_rate),
        "positionInitialMargin": number(initial),
        "openOrderInitialMargin": "0",
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "leverage": str(position.leverage),
        "marginType": "isolated" if position.margin_type is MarginType.ISOLATED else "cross",
        "maxNotionalValue": number(market.notional_cap_at(position.leverage)),
        "updateTime": position.updated_at,
    }


def leverage_brackets(market: Market) -> dict[str, Any]:
    brackets = []
    floor = ZERO
    for number_, bracket in enumerate(market.brackets, start=1):
        brackets.append(
            {
                "bracket": number_,
                "initialLeverage": bracket.max_leverage,
                "notionalCap": int(bracket.notional_cap),
                "notionalFloor": int(floor),
                "maintMarginRatio": float(bracket.maintenance_rate),
                "cum": float(bracket.maintenance_amount),
            }
        )
        floor = bracket.notional_cap
    return {"symbol": market.id, "brackets": brackets}
