"""Telegram links and notification settings, one row of each per user."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from tradedesk.domain.alerts.model import NotificationSettings, SwitchChanges, TelegramLink
from tradedesk.domain.alerts.notifications import TELEGRAM_SWITCHES
from tradedesk.persistence.tables import NotificationMethodRow, NotificationSettingsRow
from tradedesk.persistence.upsert import insert_unless_present


class SqlNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def telegram_link(self, user_id: str) -> TelegramLink | None:
        row = await self._session.get(NotificationMethodRow, user_id, populate_existing=True)
        if row is None:
            return None
        return TelegramLink(
            auth_code=row.telegram_auth_code,
            active=row.telegram_active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def add_telegram_link(self, user_id: str, link: TelegramLink) -> None:
        await insert_unless_present(
            self._session,
            NotificationMethodRow,
            {
                "user_id": user_id,
                "telegram_auth_code": link.auth_code,
                "telegram_code_issued_at": link.created_at,
                "telegram_active": link.active,
                "created_at": link.created_at,
                "updated_at": link.updated_at,
            },
            key=["user_id"],
        )

    async def settings(self, user_id: str) -> NotificationSettings | None:
        row = await self._session.get(NotificationSettingsRow, user_id, populate_existing=True)
        if row is None:
            return None
        return NotificationSettings(
            **{name: getattr(row, name) for name in NotificationSettings.__dataclass_fields__}
        )

    async def add_settings(self, user_id: str, settings: NotificationSettings) -> None:
        await insert_unless_present(
            self._session,
            NotificationSettingsRow,
            {"user_id": user_id, **asdict(settings)},
            key=["user_id"],
        )

    async def update_settings(self, user_id: str, changes: SwitchChanges, *, now: datetime) -> None:
        await self._session.execute(
            update(NotificationSettingsRow)
            .where(col(NotificationSettingsRow.user_id) == user_id)
            .values(**changes.given(), updated_at=now)
        )

    async def user_with_code(self, code: str, *, issued_after: datetime) -> str | None:
        return await self._session.scalar(
            select(col(NotificationMethodRow.user_id)).where(
                col(NotificationMethodRow.telegram_auth_code) == code,
                col(NotificationMethodRow.telegram_code_issued_at) > issued_after,
            )
        )

    async def link_chat(self, user_id: str, chat_id: str, *, next_code: str, now: datetime) -> None:
        for other in await self._session.scalars(
            select(col(NotificationMethodRow.user_id)).where(
                col(NotificationMethodRow.telegram_chat_id) == chat_id,
                col(NotificationMethodRow.user_id) != user_id,
            )
        ):
            await self.unlink(other, now=now)  # a chat alerts one user
        await self._session.execute(
            update(NotificationMethodRow)
            .where(col(NotificationMethodRow.user_id) == user_id)
            .values(
                telegram_chat_id=chat_id,
                telegram_active=True,
                telegram_auth_code=next_code,
                telegram_code_issued_at=now,
                updated_at=now,
            )
        )

    async def user_of_chat(self, chat_id: str) -> str | None:
        return await self._session.scalar(
            select(col(NotificationMethodRow.user_id)).where(
                col(NotificationMethodRow.telegram_chat_id) == chat_id
            )
        )

    async def unlink(self, user_id: str, *, now: datetime) -> None:
        await self._session.execute(
            update(NotificationMethodRow)
            .where(col(NotificationMethodRow.user_id) == user_id)
            .values(telegram_chat_id=None, telegram_active=False, updated_at=now)
        )
        telegram_off = SwitchChanges(**dict.fromkeys(TELEGRAM_SWITCHES, False))
        await self.update_settings(user_id, telegram_off, now=now)
