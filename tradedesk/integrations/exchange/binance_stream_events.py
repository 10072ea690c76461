"""Binance's USDⓈ-M user-data events (as its docs give them) read into the domain's account
events: ORDER_TRADE_UPDATE and ALGO_UPDATE become order updates, ACCOUNT_UPDATE's positions
become position updates; TRADE_LITE repeats what ORDER_TRADE_UPDATE says and is skipped."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tradedesk.domain.market.account_events import AccountEvent, OrderUpdate, PositionUpdate
from tradedesk.integrations.exchange.order_statuses import unified_status

LISTEN_KEY_EXPIRED = "listenKeyExpired"

SymbolOf = Callable[[str], str | None]  # Binance's market id -> the platform's symbol


class MalformedEvent(ValueError):
    """A frame that does not read as Binance documents it."""


def account_events(data: dict[str, Any], symbol_of: SymbolOf) -> list[AccountEvent]:
    """The domain's events in one Binance event (none for kinds the platform does not use,
    or for markets it does not know)."""
    try:
        match data.get("e"):
            case "ORDER_TRADE_UPDATE":
                return _known(_order(data["o"], symbol_of, conditional=False))
            case "ALGO_UPDATE":
                return _known(_order(data["o"], symbol_of, conditional=True))
            case "ACCOUNT_UPDATE":
                return [
                    event
                    for raw in data["a"].get("P", [])
                    if (event := _position(raw, symbol_of)) is not None
                ]
    except (KeyError, TypeError, InvalidOperation) as problem:
        raise MalformedEvent(f"{data.get('e')}: {problem!r}") from None
    return []


def _known(event: AccountEvent | None) -> list[AccountEvent]:
    return [] if event is None else [event]


def _order(raw: dict[str, Any], symbol_of: SymbolOf, *, conditional: bool) -> OrderUpdate | None:
    symbol = symbol_of(raw["s"])
    if symbol is None:
        return None
    venue_status = raw["X"]
    return OrderUpdate(
        symbol=symbol,
        order_id=str(raw["aid"] if conditional else raw["i"]),
        client_order_id=raw["caid"] if conditional else raw["c"],
        conditional=conditional,
        status=unified_status(venue_status),
        venue_status=venue_status,
        filled=Decimal((raw.get("aq") or "0") if conditional else raw["z"]),
        reason=raw.get("rm", "") if conditional else "",
    )


def _position(raw: dict[str, Any], symbol_of: SymbolOf) -> PositionUpdate | None:
    symbol = symbol_of(raw["s"])
    if symbol is None or raw.get("ps", "BOTH") != "BOTH":
        return None
    return PositionUpdate(
        symbol=symbol, contracts=Decimal(raw["pa"]), entry_price=Decimal(raw["ep"])
    )
