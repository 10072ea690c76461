"""The trades strategies placed on a user's keys, newest first, as `trade/strategy/history`
lists them: one item per follower and signal, not one per leg."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tradedesk.domain.paging import UserHistory

if TYPE_CHECKING:
    from tradedesk.domain.ports import PageTokens, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class CopiedTrade:
    id: str
    order_id: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None
    stop_type: str | None
    take_profit: tuple[float, ...]
    leverage: int | None
    callback_rate: float | None
    risk_profile_percent: float
    created_at: datetime
    strategy_name: str
    exchange_id: str
    symbol: str
    trade_side: str  # BUY or SELL

    @property
    def trailing_trigger_price(self) -> float | None:
        """The v1 field: where the trailing stop starts trailing (the first take profit),
        when the signal had one; None too for one that trails from the entry."""
        if self.callback_rate is None or not self.take_profit:
            return None
        return self.take_profit[0]


def strategy_history(
    uow_factory: UnitOfWorkFactory, tokens: PageTokens
) -> UserHistory[CopiedTrade]:
    """The trades strategies placed on the caller's keys, newest first."""
    return UserHistory(
        uow_factory,
        tokens,
        listing="strategy-history",
        fetch=lambda uow, user_id, since, before, limit: uow.copies.placed_page(
            user_id, since=since, before=before, limit=limit
        ),
    )
