"""USDT-M margin figures of an account at given mark prices (symbol -> price)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradedesk.simulator.markets import Market
from tradedesk.simulator.orders import ZERO, Account, MarginType, Order


def unrealized_pnl(account: Account, marks: dict[str, Decimal]) -> Decimal:
    return sum(
        (position.unrealized_pnl(marks[symbol]) for symbol, position in account.positions.items()),
        ZERO,
    )


def available_balance(
    account: Account, marks: dict[str, Decimal], open_orders: Iterable[Order]
) -> Decimal:
    """Wallet plus cross profit, less the initial margin positions and open orders hold; an
    isolated position's profit is not available until it is closed."""
    cross_pnl = held = ZERO
    for symbol, position in account.positions.items():
        mark = marks[symbol]
        if position.margin_type is MarginType.CROSSED:
            cross_pnl += position.unrealized_pnl(mark)
            held += position.notional(mark) / position.leverage
        else:
            held += position.isolated_margin
    for order in open_orders:
        if not order.reduce_only:
            held += order.orig_qty * order.price / account.position(order.symbol).leverage
    return account.futures_wallet + cross_pnl - held


def liquidation_price(account: Account, market: Market, marks: dict[str, Decimal]) -> Decimal:
    """Binance's one-way-mode formula, (WB + cum - side*size*entry) / (size*mmr - side*size),
    with WB the isolated margin, or for cross the wallet plus the other positions' PnL."""
    position = account.position(market.id)
    if not position.amount:
        return ZERO
    bracket = market.bracket_for(position.notional(marks[market.id]))
    size, side = abs(position.amount), position.side
    if position.margin_type is MarginType.ISOLATED:
        wallet = position.isolated_margin
    else:
        wallet = account.futures_wallet + sum(
            (
                other.unrealized_pnl(marks[symbol])
                for symbol, other in account.positions.items()
                if symbol != market.id
            ),
            ZERO,
        )
    price = (wallet + bracket.maintenance_amount - side * size * position.entry_price) / (
        size * bracket.maintenance_rate - side * size
    )
    return max(price, ZERO)
