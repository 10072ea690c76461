"""Orders as the domain asks an exchange to place them."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.domain.market.exchange import OrderRequest, OrderSide, OrderType


def market_buy(amount: str = "0.010", client_order_id: str = "tdxe") -> OrderRequest:
    """A market buy of BTC/USDT: the entry of the trades the unit tests place."""
    return OrderRequest(
        symbol="BTC/USDT",
        type=OrderType.MARKET,
        side=OrderSide.BUY,
        amount=Decimal(amount),
        client_order_id=client_order_id,
    )
