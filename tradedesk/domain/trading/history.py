"""The record of a user's manual orders, newest first, as `trade/manual/history` lists it."""

from __future__ import annotations

from tradedesk.domain.paging import UserHistory
from tradedesk.domain.ports import PageTokens
from tradedesk.domain.trading.model import ManualTrade
from tradedesk.domain.trading.ports import TradingUnitOfWork, TradingUnitOfWorkFactory


def manual_history(
    uow_factory: TradingUnitOfWorkFactory, tokens: PageTokens
) -> UserHistory[TradingUnitOfWork, ManualTrade]:
    """The caller's manual orders, newest first."""
    return UserHistory(
        uow_factory,
        tokens,
        listing="manual-history",
        fetch=lambda uow, user_id, since, before, limit: uow.manual_trades.page(
            user_id, since=since, before=before, limit=limit
        ),
    )
