"""The record of a user's manual orders, newest first, as `trade/manual/history` lists it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tradedesk.domain.paging import UserHistory

if TYPE_CHECKING:
    from tradedesk.domain.ports import PageTokens, UnitOfWorkFactory


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


def manual_history(uow_factory: UnitOfWorkFactory, tokens: PageTokens) -> UserHistory[ManualTrade]:
    """The caller's manual orders, newest first."""
    return UserHistory(
        uow_factory,
        tokens,
        listing="manual-history",
        fetch=lambda uow, user_id, since, before, limit: uow.manual_trades.page(
            user_id, since=since, before=before, limit=limit
        ),
    )
