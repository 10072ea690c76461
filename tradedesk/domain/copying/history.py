"""The trades strategies placed on a user's keys, newest first, as `trade/strategy/history`
lists them: one item per follower and signal, not one per leg."""

from __future__ import annotations

from tradedesk.domain.copying.model import CopiedTrade
from tradedesk.domain.copying.ports import CopyingUnitOfWork, CopyingUnitOfWorkFactory
from tradedesk.domain.paging import UserHistory
from tradedesk.domain.ports import PageTokens


def strategy_history(
    uow_factory: CopyingUnitOfWorkFactory, tokens: PageTokens
) -> UserHistory[CopyingUnitOfWork, CopiedTrade]:
    """The trades strategies placed on the caller's keys, newest first."""
    return UserHistory(
        uow_factory,
        tokens,
        listing="strategy-history",
        fetch=lambda uow, user_id, since, before, limit: uow.copies.placed_page(
            user_id, since=since, before=before, limit=limit
        ),
    )
