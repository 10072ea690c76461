"""A user's trades as the platform records them: manual orders, the exits the keeper
protects, and the fills it saw."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradedesk.domain.market.exchange import (
    Order,
)
from tradedesk.domain.trading.exits import (
    ExitPlan,
    leg_of,
)


class Claim(StrEnum):
    """How a request with an idempotency key fared for the key."""

    FIRST = "first"  # nobody had it: place the order
    TAKEN_OVER = "taken over"  # its first holder died placing it: finish what it left
    HELD = "held"  # another request has it, running or done: answer what it placed


@dataclass(frozen=True, slots=True)
class ManualTrade:
    id: str
    order_id: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None  # the stop's trigger price
    stop_type: str | None  # LIMIT or MARKET
    take_profit: tuple[float, ...]
    callback_rate: float | None
    risk_profile_percent: float | None
    created_at: datetime

    @property
    def trailing_trigger_price(self) -> float | None:
        """The v1 field: the stop's trigger price when a stop was set."""
        return self.stop


class LegEnd(StrEnum):
    EXECUTED = "executed"  # it filled (or, for a conditional, fired)
    DROPPED = "dropped"  # cancelled or expired by someone else, or refused: never restored


@dataclass(frozen=True, slots=True)
class ProtectedTrade:
    """A trade being kept: its plan, and what the keeper knows of its legs."""

    id: str
    user_id: str
    key_id: str
    symbol: str
    prefix: str  # every order of the trade has a client order id starting with it
    plan: ExitPlan
    generation: int = 0
    sized_to: Decimal = Decimal(0)  # the entry fill the ladder was last sized to
    entry_final: bool = False  # the entry has finished and the legs follow its final fill
    live: Mapping[str, str] = field(default_factory=dict)  # leg -> its open order's client id
    ended: Mapping[str, LegEnd] = field(default_factory=dict)


class ProtectedTradeGone(Exception):
    """The trade was superseded or closed while a pass worked on it."""


@dataclass(frozen=True, slots=True)
class ExitFill:
    """A take profit or stop of a followed trade that filled (recorded by the keeper)."""

    id: str
    user_id: str
    key_id: str
    trade_id: str  # the protected trade: a copy's id for a copied trade
    kind: str
    amount: float | None
    price: float | None
    realized_pnl: float | None
    at: datetime


def protected_trade(
    *,
    trade_id: str,
    user_id: str,
    key_id: str,
    plan: ExitPlan,
    prefix: str,
    placed: list[Order],
    resumed: bool = False,
) -> ProtectedTrade:
    """What the keeper follows of a trade just placed: its legs as they went out. A trade
    `resumed` from what an earlier attempt left counts as sized to nothing yet, so the
    keeper's first pass places whatever legs are missing."""
    entry = placed[0]
    return ProtectedTrade(
        id=trade_id,
        user_id=user_id,
        key_id=key_id,
        symbol=entry.symbol,
        prefix=prefix,
        plan=plan,
        sized_to=Decimal(0) if resumed else Decimal(str(entry.filled)),
        entry_final=False if resumed else not entry.is_open,
        live={
            leg: order.client_order_id
            for order in placed[1:]
            if order.client_order_id and (leg := leg_of(prefix, order.client_order_id))
        },
    )


class EntryType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    TRAILING_STOP = "TRAILING_STOP"


class StopTriggerType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
