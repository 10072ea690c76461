"""Users, created on the first sight of an identity-provider subject."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from tradedesk.persistence.tables import UserRow
from tradedesk.persistence.upsert import insert_unless_present


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def exists(self, user_id: str) -> bool:
        return await self._session.get(UserRow, user_id) is not None

    async def lock(self, user_id: str) -> None:
        """An UPDATE that changes nothing: a row lock on PostgreSQL, the write lock on SQLite;
        either way held until the transaction ends."""
        await self._session.execute(
            update(UserRow).where(col(UserRow.id) == user_id).values(updated_at=UserRow.updated_at)
        )

    async def email(self, user_id: str) -> str | None:
        return await self._session.scalar(
            select(col(UserRow.email)).where(col(UserRow.id) == user_id)
        )

    async def set_email(self, user_id: str, email: str, *, now: datetime) -> None:
        await self._session.execute(
            update(UserRow).where(col(UserRow.id) == user_id).values(email=email, updated_at=now)
        )

    async def ensure(
        self, *, user_id: str, subject: str, email: str | None, name: str | None, now: datetime
    ) -> str:
        await insert_unless_present(
            self._session,
            UserRow,
            {
                "id": user_id,
                "subject": subject,
                "email": email,
                "name": name,
                "created_at": now,
                "updated_at": now,
            },
            key=["subject"],
        )
        found = await self._session.scalar(
            select(col(UserRow.id)).where(col(UserRow.subject) == subject)
        )
        assert found is not None
        return found
