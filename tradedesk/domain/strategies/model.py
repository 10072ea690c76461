"""Signals as a strategy publishes them, and the reference trade each one opens."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradedesk.domain.catalog.model import StrategyTrade, TradeSide
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.trading.model import StopTriggerType

REFERENCE_RISK = Decimal("0.01")  # of equity lost when a reference trade's stop is hit


class SignalAction(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"


class SignalEntry(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"


@dataclass(frozen=True, slots=True)
class SignalInput:
    """A signal as sent, checked field by field."""

    strategy_id: str
    action: SignalAction
    side: OrderSide | None = None
    entry_type: SignalEntry = SignalEntry.MARKET
    price: Decimal | None = None  # the limit of a LIMIT entry
    stop_price: Decimal | None = None
    stop_type: StopTriggerType = StopTriggerType.MARKET
    take_profit_prices: tuple[Decimal, ...] = ()
    callback_rate: Decimal | None = None
    breakeven_after: int | None = None  # the stop moves to entry once this many rungs filled


@dataclass(frozen=True, slots=True)
class Signal(SignalInput):
    """A signal accepted and stored: the trigger followers' copies are made from."""

    id: str = ""
    reference_price: Decimal | None = None  # the entry it was checked against
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReferenceTrade:
    """The open trade of a strategy's reference account."""

    strategy_id: str
    side: OrderSide
    entry_price: Decimal
    stop_price: Decimal
    take_profits: tuple[Decimal, ...]  # the rungs not reached yet, in order
    rungs: int  # how many the signal had
    open_share: Decimal = Decimal(1)  # of the position still open
    result: Decimal = Decimal(0)  # realised so far, as a fraction of equity
    exit_value: Decimal = Decimal(0)  # sum of share x exit price, for the average exit
    opened_at: datetime | None = None
    filled: bool = True  # False while a LIMIT entry waits for the market to reach it

    def realise(self, share: Decimal, price: Decimal) -> ReferenceTrade:
        """Closes `share` of the position at `price`."""
        direction = 1 if self.side is OrderSide.BUY else -1
        per_risk = (price - self.entry_price) * direction / abs(self.entry_price - self.stop_price)
        return replace(
            self,
            open_share=self.open_share - share,
            result=self.result + share * REFERENCE_RISK * per_risk,
            exit_value=self.exit_value + share * price,
        )

    def at_price(self, price: Decimal) -> ReferenceTrade:
        """The trade after the market traded at `price`: a waiting entry fills if its limit
        is reached, then rungs reached close, then a stop reached closes the rest."""
        buying = self.side is OrderSide.BUY
        trade = self
        if not trade.filled:
            if price > self.entry_price if buying else price < self.entry_price:
                return trade  # the limit is not reached yet
            trade = replace(trade, filled=True)
        while trade.take_profits and (
            price >= trade.take_profits[0] if buying else price <= trade.take_profits[0]
        ):
            rung, *rest = trade.take_profits
            share = min(Decimal(1) / self.rungs, trade.open_share) if rest else trade.open_share
            trade = replace(trade.realise(share, rung), take_profits=tuple(rest))
        if trade.open_share and (price <= self.stop_price if buying else price >= self.stop_price):
            trade = trade.realise(trade.open_share, self.stop_price)
        return trade

    def closed(self, now: datetime) -> StrategyTrade:
        assert self.opened_at is not None
        return StrategyTrade(
            strategy_id=self.strategy_id,
            side=TradeSide.LONG if self.side is OrderSide.BUY else TradeSide.SHORT,
            entry_price=float(self.entry_price),
            exit_price=float(self.exit_value),  # the shares add up to one
            opened_at=self.opened_at,
            closed_at=now,
            result=float(self.result),
        )
