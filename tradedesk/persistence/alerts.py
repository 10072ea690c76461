"""The alerts outbox, and what users chose to be alerted about."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.alerts.messages import Recipient
from tradedesk.domain.alerts.model import Alert, AlertChannel, AlertPreferences, AlertStatus
from tradedesk.domain.alerts.notifications import DEFAULT_SWITCHES
from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind
from tradedesk.persistence.core import table_of
from tradedesk.persistence.leases import count_pending, lease_due
from tradedesk.persistence.tables import (
    AlertRow,
    NotificationMethodRow,
    NotificationSettingsRow,
    UserRow,
)
from tradedesk.persistence.upsert import insert_unless_present


class SqlAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def preferences(self, user_ids: list[str]) -> dict[str, AlertPreferences]:
        """One statement: each user's saved switches, if any, and whether Telegram is
        linked. Every order placed reads this."""
        saved = [col(getattr(NotificationSettingsRow, name)) for name in DEFAULT_SWITCHES]
        rows = await self._session.execute(
            sa_select(
                col(UserRow.id),
                col(NotificationSettingsRow.user_id).is_not(None),
                col(NotificationMethodRow.user_id).is_not(None),
                *saved,
            )
            .select_from(UserRow)
            .outerjoin(
                NotificationSettingsRow,
                col(NotificationSettingsRow.user_id) == col(UserRow.id),
            )
            .outerjoin(
                NotificationMethodRow,
                and_(
                    col(NotificationMethodRow.user_id) == col(UserRow.id),
                    col(NotificationMethodRow.telegram_active),
                    col(NotificationMethodRow.telegram_chat_id).is_not(None),
                ),
            )
            .where(col(UserRow.id).in_(user_ids))
        )
        found = {}
        for user, has_settings, linked, *switched in rows:
            switches = zip(DEFAULT_SWITCHES.items(), switched, strict=True)
            on = {
                name for (name, default), value in switches if (value if has_settings else default)
            }
            found[user] = AlertPreferences(frozenset(on), telegram_linked=linked)
        default = AlertPreferences(
            frozenset(name for name, on in DEFAULT_SWITCHES.items() if on), telegram_linked=False
        )
        return {user: found.get(user, default) for user in user_ids}

    async def recipients(self, user_ids: list[str]) -> dict[str, Recipient]:
        if not user_ids:
            return {}
        rows = await self._session.execute(
            sa_select(  # six columns: more than sqlmodel's select is typed for
                col(UserRow.id),
                col(UserRow.email),
                col(UserRow.language),
                col(UserRow.timezone),
                col(NotificationMethodRow.telegram_chat_id),
                col(NotificationMethodRow.telegram_active),
            )
            .outerjoin(NotificationMethodRow, col(NotificationMethodRow.user_id) == UserRow.id)
            .where(col(UserRow.id).in_(user_ids))
        )
        return {
            user: Recipient(email, chat if active else None, language, timezone)
            for user, email, language, timezone, chat, active in rows
        }

    async def add_many(self, alerts: list[Alert]) -> None:
        """Trade alerts as they come; a notice unless its cause was told on that channel."""
        events = [_values(a) for a in alerts if isinstance(a.event, TradeEvent)]
        notices = [_values(a) for a in alerts if isinstance(a.event, CopyingNotice)]
        if events:
            await self._session.execute(table_of(AlertRow).insert(), events)
        await insert_unless_present(
            self._session, AlertRow, notices, key=["user_id", "channel", "cause"]
        )

    async def lease_due(
        self, *, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Alert]:
        rows = await lease_due(
            self._session,
            AlertRow,
            oldest_first=AlertRow.occurred_at,
            token=token,
            now=now,
            lease=lease,
            limit=limit,
        )
        return [_alert(row) for row in rows]

    async def count_pending(self) -> int:
        return await count_pending(self._session, AlertRow)

    async def finish_many(self, outcomes: list[tuple[Alert, datetime]], *, token: str) -> None:
        """Each alert's outcome at a moment: SENT then, FAILED, or PENDING to be tried again
        then; the lease is released either way."""
        if not outcomes:
            return
        table = table_of(AlertRow)
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("alert_id"), table.c.lease_owner == token)
            .values(
                status=bindparam("new_status"),
                reason=bindparam("new_reason"),
                not_before=bindparam("retry_at"),
                sent_at=bindparam("sent"),
                lease_owner=None,
                lease_until=None,
            ),
            [
                {
                    "alert_id": alert.id,
                    "new_status": alert.status.value,
                    "new_reason": alert.reason,
                    "retry_at": when,
                    "sent": when if alert.status is AlertStatus.SENT else None,
                }
                for alert, when in outcomes
            ],
        )

    async def of_user(self, user_id: str) -> list[Alert]:
        """The user's alerts, oldest first (what was sent, or is still to go)."""
        rows = await self._session.scalars(
            select(AlertRow)
            .where(col(AlertRow.user_id) == user_id)
            .order_by(col(AlertRow.occurred_at), col(AlertRow.id))
        )
        return [_alert(row) for row in rows]


def _values(alert: Alert) -> dict[str, object]:
    event = alert.event
    values: dict[str, object] = {
        "id": alert.id,
        "user_id": alert.user_id,
        "channel": alert.channel.value,
        "kind": event.kind.value,
        "key_id": event.key_id,
        "symbol": event.symbol,
        "occurred_at": event.at,
        "status": alert.status.value,
        "attempts": alert.attempts,
        "not_before": event.at,
        "reason": alert.reason,
    }
    if isinstance(event, CopyingNotice):
        return values | {
            "side": "",
            "amount": None,
            "price": None,
            "realized_pnl": None,
            "order_id": "",
            "detail": event.detail,
            "cause": event.cause,
        }
    return values | {
        "side": event.side,
        "amount": event.amount,
        "price": event.price,
        "realized_pnl": event.realized_pnl,
        "order_id": event.order_id,
        "detail": None,
        "cause": None,
    }


def _alert(row: AlertRow) -> Alert:
    event: TradeEvent | CopyingNotice
    if row.cause is not None:
        event = CopyingNotice(
            kind=NoticeKind(row.kind),
            key_id=row.key_id,
            symbol=row.symbol,
            detail=row.detail or "",
            cause=row.cause,
            at=row.occurred_at,
        )
    else:
        event = TradeEvent(
            kind=TradeEventKind(row.kind),
            key_id=row.key_id,
            symbol=row.symbol,
            side=row.side,
            amount=row.amount,
            price=row.price,
            order_id=row.order_id,
            at=row.occurred_at,
            realized_pnl=row.realized_pnl,
        )
    return Alert(
        id=row.id,
        user_id=row.user_id,
        channel=AlertChannel(row.channel),
        event=event,
        status=AlertStatus(row.status),
        attempts=row.attempts,
        reason=row.reason,
    )
