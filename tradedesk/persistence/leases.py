"""Leasing due rows of a job table (copies, alerts) to one worker at a time.

A row is due while PENDING, past its `not_before` and not leased (or its lease ran out). One
UPDATE takes the oldest due rows for the caller (counting an attempt) and a SELECT reads back
exactly those, so several processes can take work from the same table and never share a row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

Row = TypeVar("Row", bound=SQLModel)


async def lease_due(
    session: AsyncSession,
    table: type[Row],
    *,
    oldest_first: Any,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Row]:
    until = now + lease
    rows: Any = table
    due = and_(
        col(rows.status) == "PENDING",
        col(rows.not_before) <= now,
        or_(col(rows.lease_until).is_(None), col(rows.lease_until) < now),
    )
    order = (col(oldest_first), col(rows.id))
    oldest = select(col(rows.id)).where(due).order_by(*order).limit(limit)
    await session.execute(
        update(table)
        .where(col(rows.id).in_(oldest.scalar_subquery()), due)
        .values(lease_owner=owner, lease_until=until, attempts=col(rows.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    leased = await session.scalars(
        select(table)
        .where(
            col(rows.lease_owner) == owner,
            col(rows.lease_until) == until,
            col(rows.status) == "PENDING",
        )
        .order_by(*order)
        .execution_options(populate_existing=True)
    )
    return list(leased)


async def count_pending(session: AsyncSession, table: type[SQLModel]) -> int:
    """Rows still to do, due now or later: the table's backlog."""
    rows: Any = table
    return int(await session.scalar(select(func.count()).where(col(rows.status) == "PENDING")))
