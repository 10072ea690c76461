"""INSERT ... ON CONFLICT DO NOTHING on both databases, for rows first created by a read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from tradedesk.persistence.core import table_of


async def insert_unless_present(
    session: AsyncSession,
    table: type[SQLModel],
    values: dict[str, Any] | list[dict[str, Any]],
    *,
    key: list[str],
) -> None:
    """Insert `values` (a row, or rows: one statement sent with many parameter sets) unless a
    row with the same `key` exists; never fails on a race."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(table_of(table)).on_conflict_do_nothing(index_elements=key)
    rows = values if isinstance(values, list) else [values]
    if rows:
        await session.execute(statement, rows)
