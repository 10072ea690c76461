"""One transaction across every context's repositories, as the adapters provide it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tradedesk.domain.copying.ports import CopyingUnitOfWork
from tradedesk.domain.reports.ports import ReportsUnitOfWork


class UnitOfWork(ReportsUnitOfWork, CopyingUnitOfWork, Protocol):
    """Every context's repositories in one transaction: what the persistence adapter provides
    and the composition root hands out. A context's services ask only for their context's
    unit of work, which names the repositories they use."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
