"""Stripe's side of billing as the platform keeps it: customers and the events acted on."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.persistence.tables import BillingCustomerRow, StripeEventRow
from tradedesk.persistence.upsert import insert_unless_present


class SqlStripeEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        claim = str(uuid.uuid4())
        await insert_unless_present(
            self._session,
            StripeEventRow,
            {"id": event_id, "type": event_type, "claim": claim, "received_at": now},
            key=["id"],
        )
        claimed = await self._session.scalar(
            select(col(StripeEventRow.claim)).where(col(StripeEventRow.id) == event_id)
        )
        return claimed == claim


class SqlBillingCustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def user_of(self, customer_id: str) -> str | None:
        return await self._session.scalar(
            select(col(BillingCustomerRow.user_id)).where(
                col(BillingCustomerRow.customer_id) == customer_id
            )
        )

    async def customer_of(self, user_id: str) -> str | None:
        return await self._session.scalar(
            select(col(BillingCustomerRow.customer_id)).where(
                col(BillingCustomerRow.user_id) == user_id
            )
        )

    async def link(self, user_id: str, customer_id: str, *, now: datetime) -> None:
        await insert_unless_present(
            self._session,
            BillingCustomerRow,
            {"user_id": user_id, "customer_id": customer_id, "created_at": now},
            key=["user_id"],
        )
