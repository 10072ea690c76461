"""A page of one of the caller's histories, as a GraphQL connection's `first` and `after`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tradedesk.domain.paging import Dated, HistoryPage, UserHistory
from tradedesk.resolvers.arguments import page_arguments
from tradedesk.resolvers.public import GraphInfo

R = TypeVar("R", bound=Dated)


async def history_page(
    info: GraphInfo, history: UserHistory[Any, R], first: int, after: str | None
) -> tuple[HistoryPage[R], Callable[[R], str]]:
    """The page, and how to name the cursor after each of its records."""
    caller = await info.context.principal()
    limit, position = page_arguments(first, after, lambda raw: history.parse_token(caller, raw))
    page = await history.page(caller, limit=limit, after=position)
    return page, lambda record: history.cursor(caller, record)
