"""The record of a user's manual orders, newest first, as `trade/manual/history` lists it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from tradedesk.domain.identity import Principal

if TYPE_CHECKING:
    from tradedesk.domain.ports import PageTokens, UnitOfWorkFactory

DEFAULT_LIMIT = 30


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


@dataclass(frozen=True, slots=True)
class ManualTradePage:
    items: list[ManualTrade]
    next_token: str | None


class ManualHistory:
    def __init__(self, uow_factory: UnitOfWorkFactory, tokens: PageTokens) -> None:
        self._uow_factory = uow_factory
        self._tokens = tokens

    def parse_token(self, caller: Principal, token: str) -> tuple[datetime, str]:
        """(created at, id) of the last trade a page served; 422 for any other token."""
        created, _, trade_id = self._tokens.read(_scope(caller), token).partition("|")
        return datetime.fromisoformat(created), trade_id

    async def page(
        self,
        caller: Principal,
        *,
        start: date | None = None,
        limit: int = DEFAULT_LIMIT,
        after: tuple[datetime, str] | None = None,
    ) -> ManualTradePage:
        since = None if start is None else datetime.combine(start, time.min, tzinfo=UTC)
        async with self._uow_factory() as uow:
            found = await uow.manual_trades.page(
                caller.user_id, since=since, before=after, limit=limit + 1
            )
        items = found[:limit]
        token = self.cursor(caller, items[-1]) if len(found) > limit else None
        return ManualTradePage(items=items, next_token=token)

    def cursor(self, caller: Principal, trade: ManualTrade) -> str:
        """The token that continues the caller's listing after `trade`."""
        return self._tokens.issue(_scope(caller), f"{trade.created_at.isoformat()}|{trade.id}")


def _scope(caller: Principal) -> str:
    return f"manual-history:{caller.user_id}"
