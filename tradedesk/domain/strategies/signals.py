"""Strategy signals: what an operator (or a charting tool) tells a strategy to do.

A signal OPENs the strategy's position (side, entry MARKET or LIMIT, the stop every follower
is sized by, an optional take-profit ladder and trailing callback rate) or CLOSEs it. It is
checked whole before anything is stored: every field at once (422), then against the market
(a BUY's stop below its entry and its take profits above, a SELL's the other way round, with
the ticker's last price as the entry of a MARKET signal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.strategies.model import SignalAction, SignalEntry, SignalInput
from tradedesk.domain.trading.manual_orders import (
    parse_callback_rate,
    parse_positive,
    parse_side,
    parse_take_profits,
)
from tradedesk.domain.trading.model import StopTriggerType
from tradedesk.domain.validation import FieldCollector, choice


def _strategy_id(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidValue("must be UUID")
    return parse_uuid(raw)


def parse_signal(fields: Mapping[str, object]) -> SignalInput:
    """Every field at once; what an OPEN needs is required only for OPEN."""
    c = FieldCollector()
    strategy_id = c.parse("strategyId", fields.get("strategyId"), _strategy_id)
    action = c.parse("action", fields.get("action"), choice(SignalAction))
    if action is not SignalAction.OPEN:
        c.raise_if_invalid()
        assert strategy_id and action
        return SignalInput(strategy_id=strategy_id, action=action)
    side = c.parse("side", fields.get("side"), parse_side)
    entry = SignalEntry.MARKET
    if fields.get("entryType") is not None:
        # an invalid one is reported by raise_if_invalid; the default only stands in till then
        entry = c.parse("entryType", fields["entryType"], choice(SignalEntry)) or entry
    price = None
    if fields.get("price") is not None or entry is SignalEntry.LIMIT:
        price = c.parse("price", fields.get("price"), parse_positive)
    stop = c.parse("stopPrice", fields.get("stopPrice"), parse_positive)
    stop_type = StopTriggerType.MARKET
    if fields.get("stopType") is not None:
        parsed = c.parse("stopType", fields["stopType"], choice(StopTriggerType))
        stop_type = parsed or stop_type
    take_profits: tuple[Decimal, ...] = ()
    if fields.get("takeProfitPrices") is not None:
        take_profits = (
            c.parse("takeProfitPrices", fields["takeProfitPrices"], parse_take_profits) or ()
        )
    rate = None
    if fields.get("callbackRate") is not None:
        rate = c.parse("callbackRate", fields["callbackRate"], parse_callback_rate)
    breakeven = None
    if fields.get("breakevenAfterTakeProfit") is not None:
        breakeven = c.parse(
            "breakevenAfterTakeProfit",
            fields["breakevenAfterTakeProfit"],
            _rung_count(len(take_profits)),
        )
    c.raise_if_invalid()
    assert strategy_id and side and entry and stop and stop_type
    return SignalInput(
        strategy_id=strategy_id,
        action=SignalAction.OPEN,
        side=side,
        entry_type=entry,
        price=price,
        stop_price=stop,
        stop_type=stop_type,
        take_profit_prices=take_profits,
        callback_rate=rate,
        breakeven_after=breakeven,
    )


def _rung_count(rungs: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= rungs:
            raise InvalidValue(f"must be a take profit number, 1 to {rungs}")
        return raw

    return parse


def check_against_entry(signal: SignalInput, entry: Decimal) -> None:
    """A BUY's stop is below the entry and its take profits above; a SELL's the other way."""
    assert signal.side is not None and signal.stop_price is not None
    buying = signal.side is OrderSide.BUY
    shown = f"{entry.normalize():f}"
    errors = []
    if (signal.stop_price >= entry) if buying else (signal.stop_price <= entry):
        where = "below" if buying else "above"
        errors.append(
            FieldError(
                param="stopPrice",
                value=float(signal.stop_price),
                msg=f"must be {where} the entry price {shown}",
            )
        )
    wrong = [p for p in signal.take_profit_prices if (p <= entry if buying else p >= entry)]
    if wrong:
        where = "above" if buying else "below"
        errors.append(
            FieldError(
                param="takeProfitPrices",
                value=[float(p) for p in signal.take_profit_prices],
                msg=f"must all be {where} the entry price {shown}",
            )
        )
    if errors:
        raise ValidationFailed(errors)
