"""How much work is waiting: copies not yet run and alerts not yet delivered. An operator's
first question when followers say a trade came late."""

from __future__ import annotations

from dataclasses import dataclass

from tradedesk.domain.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Backlog:
    copies: int
    alerts: int


class Backlogs:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def now(self) -> Backlog:
        async with self._uow_factory() as uow:
            return Backlog(await uow.copies.count_pending(), await uow.alerts.count_pending())
