"""What reports are made of (snapshots, exit fills, copied trades' strategies), who reads
them, and which were claimed and sent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.alerts.notifications import DEFAULT_SWITCHES
from tradedesk.domain.reports.model import Reader
from tradedesk.domain.trading.model import ExitFill
from tradedesk.persistence.core import table_of
from tradedesk.persistence.tables import (
    BalanceSnapshotRow,
    ExitFillRow,
    NotificationSettingsRow,
    ReportSentRow,
    SignalCopyRow,
    SignalRow,
    StrategyRow,
    UserRow,
)
from tradedesk.persistence.upsert import insert_unless_present


class SqlReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_fills(self, fills: list[ExitFill]) -> None:
        if fills:
            await self._session.execute(
                table_of(ExitFillRow).insert(),
                [asdict(fill) for fill in fills],
            )

    async def snapshots(
        self, key_ids: list[str], first: date, last: date
    ) -> dict[str, list[tuple[date, float]]]:
        rows = await self._session.execute(
            select(
                col(BalanceSnapshotRow.key_id),
                col(BalanceSnapshotRow.day),
                col(BalanceSnapshotRow.total_usd),
            ).where(
                col(BalanceSnapshotRow.key_id).in_(key_ids),
                col(BalanceSnapshotRow.day) >= first,
                col(BalanceSnapshotRow.day) <= last,
            )
        )
        found: defaultdict[str, list[tuple[date, float]]] = defaultdict(list)
        for key_id, day, usd in rows:
            found[key_id].append((day, float(usd)))
        return dict(found)

    async def exit_fills(self, user_id: str, start: datetime, end: datetime) -> list[ExitFill]:
        rows = await self._session.scalars(
            select(ExitFillRow)
            .where(
                col(ExitFillRow.user_id) == user_id,
                col(ExitFillRow.at) >= start,
                col(ExitFillRow.at) < end,
            )
            .order_by(col(ExitFillRow.at))
        )
        return [ExitFill(**row.model_dump()) for row in rows]

    async def strategies_of_trades(self, trade_ids: list[str]) -> dict[str, str]:
        """The strategy each copied trade followed (a copy's id is its trade's id)."""
        if not trade_ids:
            return {}
        rows = await self._session.execute(
            select(col(SignalCopyRow.id), col(StrategyRow.name))
            .join(SignalRow, col(SignalRow.id) == SignalCopyRow.signal_id)
            .join(StrategyRow, col(StrategyRow.id) == SignalRow.strategy_id)
            .where(col(SignalCopyRow.id).in_(trade_ids))
        )
        return {trade_id: name for trade_id, name in rows}

    async def readers(self, switch: str) -> list[Reader]:
        """Users with the report switched on (it is on for users who never saved settings)."""
        switch_column = getattr(NotificationSettingsRow, switch)
        default_on = DEFAULT_SWITCHES[switch]
        wants = switch_column.is_(True)
        if default_on:
            wants = or_(wants, col(NotificationSettingsRow.user_id).is_(None))
        rows = await self._session.execute(
            select(
                col(UserRow.id),
                col(UserRow.email),
                col(UserRow.timezone),
                col(UserRow.created_at),
            )
            .outerjoin(NotificationSettingsRow, col(NotificationSettingsRow.user_id) == UserRow.id)
            .where(wants)
        )
        return [
            Reader(user_id, email, timezone, created.date())
            for user_id, email, timezone, created in rows
        ]

    async def sent(self, reports: list[tuple[str, str]]) -> set[tuple[str, str]]:
        if not reports:
            return set()
        rows = await self._session.execute(
            select(col(ReportSentRow.user_id), col(ReportSentRow.period)).where(
                col(ReportSentRow.status) == "SENT",
                col(ReportSentRow.user_id).in_({user for user, _period in reports}),
                col(ReportSentRow.period).in_({period for _user, period in reports}),
            )
        )
        return {(user, period) for user, period in rows} & set(reports)

    async def claim(
        self, user_id: str, period: str, *, owner: str, now: datetime, lease: timedelta
    ) -> bool:
        """Takes the report for this owner: unclaimed, or left SENDING by a sender that died."""
        values = {"status": "SENDING", "claimed_by": owner, "claimed_at": now}
        await insert_unless_present(
            self._session,
            ReportSentRow,
            {"user_id": user_id, "period": period, **values},
            key=["user_id", "period"],
        )
        await self._session.execute(
            update(ReportSentRow)
            .where(
                col(ReportSentRow.user_id) == user_id,
                col(ReportSentRow.period) == period,
                and_(
                    col(ReportSentRow.status) == "SENDING",
                    col(ReportSentRow.claimed_at) < now - lease,
                ),
            )
            .values(**values)
        )
        claimed = await self._session.get(ReportSentRow, (user_id, period), populate_existing=True)
        assert claimed is not None
        return (
            claimed.status == "SENDING"
            and claimed.claimed_by == owner
            and (claimed.claimed_at == now)
        )

    async def release(self, user_id: str, period: str) -> None:
        await self._session.execute(
            delete(ReportSentRow).where(
                col(ReportSentRow.user_id) == user_id,
                col(ReportSentRow.period) == period,
                col(ReportSentRow.status) == "SENDING",
            )
        )

    async def mark_sent(self, user_id: str, period: str, *, now: datetime) -> None:
        await self._session.execute(
            update(ReportSentRow)
            .where(col(ReportSentRow.user_id) == user_id, col(ReportSentRow.period) == period)
            .values(status="SENT", sent_at=now)
        )
