"""The engine's events as Binance's USDⓈ-M user-data stream pushes them: field names, string
numbers and event kinds as Binance documents them (and ccxt.pro's `binanceusdm` parses them)."""

from __future__ import annotations

from typing import Any

from tradedesk.simulator.binance_json import number
from tradedesk.simulator.events import (
    AccountChanged,
    ConditionalChanged,
    Event,
    Execution,
    OrderChanged,
)

ORDER_TRADE_UPDATE = "ORDER_TRADE_UPDATE"
TRADE_LITE = "TRADE_LITE"
ALGO_UPDATE = "ALGO_UPDATE"
ACCOUNT_UPDATE = "ACCOUNT_UPDATE"
LISTEN_KEY_EXPIRED = "listenKeyExpired"


def messages(event: Event, now: int) -> list[dict[str, Any]]:
    """What the stream pushes for one engine event, in Binance's order: a trade's TRADE_LITE
    comes ahead of its ORDER_TRADE_UPDATE."""
    match event:
        case OrderChanged(execution=Execution.TRADE):
            return [trade_lite(event, now), order_trade_update(event, now)]
        case OrderChanged():
            return [order_trade_update(event, now)]
        case ConditionalChanged():
            return [algo_update(event, now)]
        case AccountChanged():
            return [account_update(event, now)]


def order_trade_update(event: OrderChanged, now: int) -> dict[str, Any]:
    order, fill = event.order, event.fill
    at = fill.time if fill else order.updated_at
    return {
        "e": ORDER_TRADE_UPDATE,
        "E": now,
        "T": at,
        "o": {
            "s": order.symbol,
            "c": order.client_order_id,
            "S": order.side.value,
            "o": order.type.value,
            "f": order.time_in_force,
            "q": number(order.orig_qty),
            "p": number(order.price),
            "ap": number(order.avg_price),
            "sp": number(order.stop_price),
            "x": event.execution.value,
            "X": order.status.value,
            "i": order.order_id,
            "l": number(fill.qty) if fill else "0",
            "z": number(order.executed_qty),
            "L": number(fill.price) if fill else "0",
            "N": fill.commission_asset if fill else "USDT",
            "n": number(fill.commission) if fill else "0",
            "T": at,
            "t": fill.trade_id if fill else 0,
            "b": "0",
            "a": "0",
            "m": fill.maker if fill else False,
            "R": order.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": (order.placed_by or order.type).value,
            "ps": "BOTH",
            "cp": order.close_position,
            "rp": number(fill.realized_pnl) if fill else "0",
            "pP": False,
            "si": 0,
            "ss": 0,
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
            "er": event.expire_reason.value,
        },
    }


def trade_lite(event: OrderChanged, now: int) -> dict[str, Any]:
    order, fill = event.order, event.fill
    assert fill is not None
    return {
        "e": TRADE_LITE,
        "E": now,
        "T": fill.time,
        "s": order.symbol,
        "q": number(order.orig_qty),
        "p": number(order.price),
        "m": fill.maker,
        "c": order.client_order_id,
        "S": order.side.value,
        "L": number(fill.price),
        "l": number(fill.qty),
        "t": fill.trade_id,
        "i": order.order_id,
    }


def algo_update(event: ConditionalChanged, now: int) -> dict[str, Any]:
    conditional, placed = event.conditional, event.placed
    return {
        "e": ALGO_UPDATE,
        "T": conditional.updated_at,
        "E": now,
        "o": {
            "caid": conditional.client_algo_id,
            "aid": conditional.algo_id,
            "at": "CONDITIONAL",
            "o": conditional.type.value,
            "s": conditional.symbol,
            "S": conditional.side.value,
            "ps": "BOTH",
            "f": conditional.time_in_force,
            "q": number(conditional.quantity),
            "X": conditional.status.value,
            "ai": str(placed.order_id) if placed else "",
            "ap": number(placed.avg_price) if placed else "0",
            "aq": number(placed.executed_qty) if placed else "0",
            "tp": number(conditional.trigger_price),
            "p": number(conditional.price),
            "V": "EXPIRE_MAKER",
            "wt": "CONTRACT_PRICE",
            "pm": "NONE",
            "cp": conditional.close_position,
            "pP": False,
            "R": conditional.reduce_only,
            "tt": conditional.triggered_at,
            "gtd": 0,
            "rm": event.reject_reason,
        },
    }


def account_update(event: AccountChanged, now: int) -> dict[str, Any]:
    return {
        "e": ACCOUNT_UPDATE,
        "E": now,
        "T": now,
        "a": {
            "m": event.reason,
            "B": [{"a": "USDT", "wb": number(event.wallet), "cw": number(event.cross_wallet)}],
            "P": [
                {
                    "s": figures.position.symbol,
                    "pa": number(figures.position.amount),
                    "ep": number(figures.position.entry_price),
                    "up": number(figures.unrealized_pnl),
                    "mt": figures.position.margin_type.value.lower().replace("crossed", "cross"),
                    "iw": number(figures.position.isolated_margin),
                    "ps": "BOTH",
                }
                for figures in event.positions
            ],
        },
    }


def listen_key_expired(listen_key: str, now: int) -> dict[str, Any]:
    """Binance sends this one's event time as a string."""
    return {"e": LISTEN_KEY_EXPIRED, "E": str(now), "listenKey": listen_key}
