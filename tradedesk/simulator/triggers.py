"""When a conditional (algo) order fires: Binance's trigger rules, and trailing-stop tracking."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.simulator.orders import ConditionalOrder, Side, TriggerType


def triggered(conditional: ConditionalOrder, price: Decimal) -> bool:
    """A stop buys on a rise and sells on a fall to its price; a take profit the other way
    round; a trailing stop on a pull-back of `callback_rate` % from its best price."""
    buy = conditional.side is Side.BUY
    match conditional.type:
        case TriggerType.STOP | TriggerType.STOP_MARKET:
            return price >= conditional.trigger_price if buy else price <= conditional.trigger_price
        case TriggerType.TAKE_PROFIT | TriggerType.TAKE_PROFIT_MARKET:
            return price <= conditional.trigger_price if buy else price >= conditional.trigger_price
    track(conditional, price)
    if not conditional.activated:
        return False
    pull_back = conditional.extreme * conditional.callback_rate / 100
    return (
        price >= conditional.extreme + pull_back
        if buy
        else price <= conditional.extreme - pull_back
    )


def track(conditional: ConditionalOrder, price: Decimal) -> None:
    """A trailing stop follows the best price once its activation price is reached."""
    buy = conditional.side is Side.BUY
    if not conditional.activated:
        activation = conditional.activation_price
        reached = not activation or (price <= activation if buy else price >= activation)
        if not reached:
            return
        conditional.activated, conditional.extreme = True, price
    if (price < conditional.extreme) if buy else (price > conditional.extreme):
        conditional.extreme = price
