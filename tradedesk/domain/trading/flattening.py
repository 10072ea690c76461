"""Closing a position outright: what every failure path falls back to."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.domain.market.exchange import (
    ApiCredentials,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.ports import ExchangeGateway


async def flatten(
    gateway: ExchangeGateway, credentials: ApiCredentials, symbol: str, client_order_id: str
) -> None:
    """Cancels every open order of the symbol, then closes what is left of the position at
    market, reduce-only (it can never open one). Protective: it goes first in a tight
    budget."""
    with spending_for(ExchangePurpose.PROTECTION):
        await _flatten(gateway, credentials, symbol, client_order_id)


async def _flatten(
    gateway: ExchangeGateway, credentials: ApiCredentials, symbol: str, client_order_id: str
) -> None:
    await gateway.cancel_all_orders(credentials, symbol)
    position = await gateway.fetch_position(credentials, symbol)
    if position is None:
        return
    await gateway.place_order(
        credentials,
        OrderRequest(
            symbol=symbol,
            type=OrderType.MARKET,
            side=OrderSide.SELL if position.side == "long" else OrderSide.BUY,
            amount=Decimal(str(position.contracts)),
            client_order_id=client_order_id,
            reduce_only=True,
        ),
    )
