"""What the engine announces as it happens: the facts Binance pushes over a user-data stream.

Each event holds copies of the order, conditional or positions as they stood at that moment, so
an observer that renders them later still sees that moment, not what came after.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tradedesk.simulator.orders import ConditionalOrder, Fill, Order, Position


class Execution(StrEnum):
    """What happened to an order (Binance's execution type `x`)."""

    NEW = "NEW"
    CANCELED = "CANCELED"
    CALCULATED = "CALCULATED"  # a liquidation's execution
    EXPIRED = "EXPIRED"
    TRADE = "TRADE"


class ExpireReason(StrEnum):
    """Why an order expired (Binance's `er`), for the reasons the simulator produces."""

    NONE = "0"
    REDUCE_ONLY = "4"  # a reduce-only order found nothing (more) to reduce
    LIQUIDATED = "5"  # the account was liquidated on its symbol
    POSITION_CLOSED = "6"  # GTE_GTC: "the GTE condition is unsatisfied", its position closed


@dataclass(frozen=True, slots=True)
class OrderChanged:
    order: Order
    execution: Execution
    fill: Fill | None = None
    expire_reason: ExpireReason = ExpireReason.NONE

    @classmethod
    def of(
        cls,
        order: Order,
        execution: Execution,
        fill: Fill | None = None,
        expire_reason: ExpireReason = ExpireReason.NONE,
    ) -> OrderChanged:
        return cls(copy.copy(order), execution, fill, expire_reason)


@dataclass(frozen=True, slots=True)
class ConditionalChanged:
    conditional: ConditionalOrder
    reject_reason: str = ""  # why it ended REJECTED at its trigger
    placed: Order | None = None  # the order it placed, once TRIGGERED

    @classmethod
    def of(
        cls, conditional: ConditionalOrder, reject_reason: str = "", placed: Order | None = None
    ) -> ConditionalChanged:
        return cls(copy.copy(conditional), reject_reason, copy.copy(placed))


@dataclass(frozen=True, slots=True)
class PositionFigures:
    position: Position
    mark: Decimal

    @property
    def unrealized_pnl(self) -> Decimal:
        return self.position.unrealized_pnl(self.mark)


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """The USDT-M wallet and the positions a fill (or liquidation) moved."""

    reason: str  # Binance's `m`: ORDER for trades and liquidations
    wallet: Decimal
    cross_wallet: Decimal
    positions: tuple[PositionFigures, ...]


Event = OrderChanged | ConditionalChanged | AccountChanged
Observer = Callable[[str, Event], None]  # (api key, event)
