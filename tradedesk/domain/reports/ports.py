"""What periodic reports read, and how they are mailed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol

from tradedesk.domain.reports.model import Reader
from tradedesk.domain.trading.model import ExitFill
from tradedesk.domain.trading.ports import ExitFillRepository, TradingUnitOfWork


class ReportRepository(ExitFillRepository, Protocol):
    """What reports are made of, who reads them, and which were sent."""

    async def snapshots(
        self, key_ids: list[str], first: date, last: date
    ) -> dict[str, list[tuple[date, float]]]:
        """Each key's daily balances from `first` to `last`, both included."""
        ...

    async def exit_fills(self, user_id: str, start: datetime, end: datetime) -> list[ExitFill]: ...

    async def strategies_of_trades(self, trade_ids: list[str]) -> dict[str, str]:
        """The name of the strategy each copied trade followed (others are missing)."""
        ...

    async def readers(self, switch: str) -> list[Reader]: ...

    async def sent(self, reports: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (user, period) reports went out already."""
        ...

    async def claim(
        self, user_id: str, period: str, *, owner: str, now: datetime, lease: timedelta
    ) -> bool:
        """True when this owner may send the report (nobody has, or a sender died)."""
        ...

    async def release(self, user_id: str, period: str) -> None: ...

    async def mark_sent(self, user_id: str, period: str, *, now: datetime) -> None: ...


class ReportsUnitOfWork(TradingUnitOfWork, Protocol):
    """A transaction that reads a user's results and claims their reports."""

    @property
    def reports(self) -> ReportRepository: ...


ReportsUnitOfWorkFactory = Callable[[], ReportsUnitOfWork]
