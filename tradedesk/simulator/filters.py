"""Binance's symbol filters, checked before an order is accepted."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.simulator import errors
from tradedesk.simulator.markets import Kind, Market
from tradedesk.simulator.orders import OrderType


def check_filters(
    market: Market,
    type: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    mark: Decimal,
    *,
    reduce_only: bool,
) -> None:
    """LOT_SIZE, MARKET_LOT_SIZE, PRICE_FILTER, and the minimum notional (NOTIONAL on spot,
    -4164 on futures, waived for reduce-only orders)."""
    if quantity < market.min_qty or quantity > market.max_qty:
        raise errors.filter_failure("LOT_SIZE")
    if quantity % market.step_size:
        raise errors.filter_failure("LOT_SIZE")
    if type is OrderType.MARKET and quantity > market.market_max_qty:
        raise errors.filter_failure("MARKET_LOT_SIZE")
    if price is not None and (price <= 0 or price % market.tick_size):
        raise errors.filter_failure("PRICE_FILTER")
    notional = quantity * (price or mark)
    if notional < market.min_notional and not reduce_only:
        if market.kind is Kind.SPOT:
            raise errors.filter_failure("NOTIONAL")
        raise errors.ExchangeError(
            -4164,
            f"Order's notional must be no smaller than {market.min_notional.normalize():f} "
            "(unless you choose reduce only).",
        )
