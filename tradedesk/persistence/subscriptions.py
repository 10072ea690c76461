"""Users' Stripe subscriptions, as the webhooks and reconciliation last wrote them."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.billing.model import ENTITLING, Subscription, SubscriptionStatus
from tradedesk.persistence.tables import SubscriptionRow


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_entitling(self, user_id: str) -> Subscription | None:
        row = await self._session.scalar(
            select(SubscriptionRow)
            .where(
                col(SubscriptionRow.user_id) == user_id,
                col(SubscriptionRow.status).in_([status.value for status in ENTITLING]),
            )
            .order_by(col(SubscriptionRow.created_at), col(SubscriptionRow.id))
            .limit(1)
        )
        return None if row is None else _subscription(row)

    async def put(self, subscription: Subscription) -> None:
        values = {**asdict(subscription), "status": subscription.status.value}
        await self._session.merge(SubscriptionRow(**values))
        await self._session.flush()


def _subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(**{**row.model_dump(), "status": SubscriptionStatus(row.status)})
