"""A PostgreSQL connection handed out again from the pool is checked with one `SELECT 1`
(SQLAlchemy's pre-ping would end in a ROLLBACK); one the pool has just opened is not."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

from tradedesk.persistence.engine import make_engine

pytestmark = pytest.mark.asyncio


async def last_statement(database_url: str, backend: int) -> str:
    """What the backend last ran, as PostgreSQL itself reports it."""
    watcher = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return await watcher.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", backend)
    finally:
        await watcher.close()


async def backend_of(connection) -> int:
    """The server process behind a checked-out connection, asked of asyncpg, not of SQL."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection.get_server_pid()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_pooled_connection_is_pinged_once_and_a_new_one_not_at_all(database_url):
    engine = make_engine(database_url)
    try:
        async with engine.connect() as first:
            await first.execute(text("SELECT 42"))
            # a second one while the first is out: the pool opens it for this checkout
            async with engine.connect() as second:
                fresh = await last_statement(database_url, await backend_of(second))
        async with engine.connect() as again:  # out of the pool again, nothing run on it
            pooled = await last_statement(database_url, await backend_of(again))
    finally:
        await engine.dispose()

    assert fresh != "SELECT 1"  # what opening it ran last, no ping
    assert pooled == "SELECT 1"
