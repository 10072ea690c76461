"""One database transaction per use case: commit explicitly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

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
        try:
            await self.session.rollback()  # a no-op after commit; undoes anything uncommitted
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
