"""Leasing due rows of a job table (copies, alerts) to one holder at a time, and fencing.

A row is due while PENDING, past its `not_before` and not leased (or its lease ran out). One
UPDATE takes the oldest due rows under a token that is new for every lease (counting an
attempt) and a SELECT reads back exactly the rows under that token, so several processes can
take work from the same table and never share a row, and a batch never reads back another's.
The token is the fence: renewing and writing an outcome match it, so a holder whose lease ran
out and was taken over can change nothing. Copies renew their batch's lease while it runs
(`domain/job_leases.py`) and lock what they write (`hold`); alerts, whose batches are short,
only fence their outcomes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

Row = TypeVar("Row", bound=SQLModel)


async def lease_due(
    session: AsyncSession,
    table: type[Row],
    *,
    oldest_first: Any,
    token: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    ready: ColumnElement[bool] | None = None,
) -> list[Row]:
    """The oldest due rows (that also meet `ready`), leased under `token` until now + lease."""
    rows: Any = table
    due = and_(
        col(rows.status) == "PENDING",
        col(rows.not_before) <= now,
        or_(col(rows.lease_until).is_(None), col(rows.lease_until) < now),
        true() if ready is None else ready,
    )
    order = (col(oldest_first), col(rows.id))
    oldest = select(col(rows.id)).where(due).order_by(*order).limit(limit)
    await session.execute(
        update(table)
        .where(col(rows.id).in_(oldest.scalar_subquery()), due)
        .values(lease_owner=token, lease_until=now + lease, attempts=col(rows.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    leased = await session.scalars(
        select(table)
        .where(col(rows.lease_owner) == token, col(rows.status) == "PENDING")
        .order_by(*order)
        .execution_options(populate_existing=True)
    )
    return list(leased)


async def renew(
    session: AsyncSession, table: type[SQLModel], *, token: str, until: datetime
) -> set[str]:
    """Extends the lease of every row still held under `token`; the ids it still holds."""
    return await _update_held(session, table, token=token, ids=None, values={"lease_until": until})


async def hold(
    session: AsyncSession, table: type[SQLModel], *, token: str, ids: list[str]
) -> set[str]:
    """Of `ids`, those still held under `token`, locked until the transaction ends (so
    nobody takes them over while their outcome is written)."""
    if not ids:
        return set()
    return await _update_held(session, table, token=token, ids=ids, values={"lease_owner": token})


async def _update_held(
    session: AsyncSession,
    table: type[SQLModel],
    *,
    token: str,
    ids: list[str] | None,
    values: dict[str, Any],
) -> set[str]:
    """Updates the rows held under `token` (of `ids`, if given); their ids. The rows are
    locked in id order first (PostgreSQL; SQLite has one writer at a time), so a renewal
    and an outcome's write of the same batch never deadlock on each other."""
    rows: Any = table
    held = and_(col(rows.lease_owner) == token, col(rows.status) == "PENDING")
    if ids is not None:
        held = and_(held, col(rows.id).in_(ids))
    locked = select(col(rows.id)).where(held).order_by(col(rows.id)).with_for_update()
    updated = await session.execute(
        update(table)
        .where(col(rows.id).in_(locked.scalar_subquery()), held)
        .values(**values)
        .returning(col(rows.id))
        .execution_options(synchronize_session=False)
    )
    return set(updated.scalars())


async def count_pending(session: AsyncSession, table: type[SQLModel]) -> int:
    """Rows still to do, due now or later: the table's backlog."""
    rows: Any = table
    pending = await session.scalar(select(func.count()).where(col(rows.status) == "PENDING"))
    return int(pending or 0)
