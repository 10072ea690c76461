"""One database transaction per use case: commit explicitly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradedesk.domain.errors import TransactionConflict, Unavailable
from tradedesk.persistence.alerts import SqlAlertRepository
from tradedesk.persistence.balance_snapshots import SqlBalanceSnapshotRepository
from tradedesk.persistence.billing import SqlBillingCustomerRepository, SqlStripeEventRepository
from tradedesk.persistence.catalog import SqlCatalogRepository
from tradedesk.persistence.exchange_keys import SqlExchangeKeyRepository
from tradedesk.persistence.follows import SqlFollowRepository
from tradedesk.persistence.manual_trades import SqlManualTradeRepository
from tradedesk.persistence.notifications import SqlNotificationRepository
from tradedesk.persistence.profiles import SqlProfileRepository
from tradedesk.persistence.protected_trades import SqlProtectedTradeRepository
from tradedesk.persistence.reference_trades import SqlReferenceTradeRepository
from tradedesk.persistence.reports import SqlReportRepository
from tradedesk.persistence.signals import SqlCopyRepository, SqlSignalRepository
from tradedesk.persistence.strategy_trades import SqlStrategyTradeRepository
from tradedesk.persistence.subscriptions import SqlSubscriptionRepository
from tradedesk.persistence.users import SqlUserRepository
from tradedesk.persistence.webhooks import SqlWebhookRepository


class SqlUnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        reading_factory: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """`reading_factory` makes the sessions of `reading()` units of work (default: the
        same as the others)."""
        self._session_factory = session_factory
        self._reading_factory = reading_factory or session_factory
        self._reads_only = False

    def reading(self) -> Self:
        if hasattr(self, "session"):
            raise RuntimeError("reading() is declared before the unit of work is entered")
        self._session_factory = self._reading_factory
        self._reads_only = True
        return self

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.catalog = SqlCatalogRepository(self.session)
        self.strategy_trades = SqlStrategyTradeRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.exchange_keys = SqlExchangeKeyRepository(self.session)
        self.balance_snapshots = SqlBalanceSnapshotRepository(self.session)
        self.manual_trades = SqlManualTradeRepository(self.session)
        self.protected_trades = SqlProtectedTradeRepository(self.session)
        self.follows = SqlFollowRepository(self.session)
        self.signals = SqlSignalRepository(self.session)
        self.copies = SqlCopyRepository(self.session)
        self.webhooks = SqlWebhookRepository(self.session)
        self.reference_trades = SqlReferenceTradeRepository(self.session)
        self.profiles = SqlProfileRepository(self.session)
        self.notifications = SqlNotificationRepository(self.session)
        self.subscriptions = SqlSubscriptionRepository(self.session)
        self.stripe_events = SqlStripeEventRepository(self.session)
        self.billing_customers = SqlBillingCustomerRepository(self.session)
        self.alerts = SqlAlertRepository(self.session)
        self.reports = SqlReportRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Rolls back what was not committed, and turns a database that failed the work into
        the domain's `Unavailable` (unreachable) or `TransactionConflict` (run it again)."""
        try:
            try:
                await self.session.rollback()  # a no-op after commit; undoes the uncommitted
            finally:
                await self.session.close()
        except Exception as cleanup:  # the connection is gone too; the work's error says why
            if exc is None:
                raise database_failure(cleanup) or cleanup from cleanup
        if exc is not None and (failure := database_failure(exc)) is not None:
            raise failure from exc

    async def commit(self) -> None:
        if self._reads_only:
            raise RuntimeError("a unit of work declared reading() commits nothing")
        await self.session.commit()


CONFLICTS = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


def database_failure(error: BaseException) -> Unavailable | None:
    """The domain error for a failure of the database itself (not of the work), else None."""
    if isinstance(error, DBAPIError):
        if _sqlstate(error) in CONFLICTS:
            return TransactionConflict("the database refused a concurrent transaction")
        if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
            return Unavailable("the database did not answer")
        return None
    if isinstance(error, OSError | TimeoutError | SQLAlchemyTimeoutError):
        return Unavailable("the database is unreachable")
    return None


def _sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE of a PostgreSQL error, however the driver adapter wraps it."""
    current: BaseException | None = error.orig
    while current is not None:
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str):
            return state
        current = current.__cause__
    return None
