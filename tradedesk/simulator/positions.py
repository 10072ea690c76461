"""One-way-mode position arithmetic: netting a fill into a position."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.simulator.orders import ZERO, MarginType, Position, Side


def net_fill(position: Position, side: Side, quantity: Decimal, price: Decimal) -> Decimal:
    """Apply a fill: reduce (and maybe flip) the opposite side first, then grow at the
    averaged entry price. Returns the realized PnL of the part that closed."""
    direction = 1 if side is Side.BUY else -1
    realized = ZERO
    remaining = quantity
    if position.side == -direction:
        closing = min(remaining, abs(position.amount))
        realized = closing * (price - position.entry_price) * position.side
        if position.margin_type is MarginType.ISOLATED:
            position.isolated_margin -= position.isolated_margin * closing / abs(position.amount)
        position.amount += direction * closing
        remaining -= closing
        if not position.amount:
            position.entry_price = position.isolated_margin = ZERO
    if remaining:
        size = abs(position.amount)
        position.entry_price = (size * position.entry_price + remaining * price) / (
            size + remaining
        )
        position.amount += direction * remaining
        if position.margin_type is MarginType.ISOLATED:
            position.isolated_margin += remaining * price / position.leverage
    return realized
