"""Alembic owns the schema: up from empty, all the way down, and up again, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import inspect

from tests.support.databases import postgres_database, sqlite_url
from tradedesk.persistence.engine import make_engine
from tradedesk.persistence.migrate import current_revision, downgrade, upgrade

pytestmark = pytest.mark.asyncio
TABLES = {"plans", "risk_profiles", "strategies", "strategy_trades"}


async def table_names(engine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def round_trip(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        assert await table_names(engine) >= TABLES
        assert await current_revision(engine) is not None

        await downgrade(engine, "base")
        assert await table_names(engine) & TABLES == set()
        assert await current_revision(engine) is None

        await upgrade(engine)
        assert await table_names(engine) >= TABLES
    finally:
        await engine.dispose()


@asynccontextmanager
async def sqlite_database(tmp_path) -> AsyncIterator[str]:
    yield sqlite_url(tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database(request, tmp_path):
    """An empty database of each kind, as an async context manager yielding its URL."""
    return sqlite_database(tmp_path) if request.param == "sqlite" else postgres_database()


async def test_upgrade_downgrade_upgrade(fresh_database):
    async with fresh_database as url:
        await round_trip(url)


async def test_migrations_match_the_tables(fresh_database):
    """Autogenerate finds nothing to do: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from tradedesk.persistence import tables  # noqa: F401

    async with fresh_database as url:
        engine = make_engine(url)
        await upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
        await engine.dispose()

    assert diff == []


async def test_the_alembic_command_line_round_trips(fresh_database):
    """`alembic upgrade head`, `downgrade base`, `upgrade head` from the repository root."""
    import asyncio
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[2]
    alembic = [sys.executable, "-m", "alembic"]
    async with fresh_database as url:
        env = {**os.environ, "DATABASE_URL": url}
        for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
            result = await asyncio.to_thread(
                subprocess.run,
                [*alembic, *step],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
        engine = make_engine(url)
        try:
            assert await table_names(engine) >= TABLES
        finally:
            await engine.dispose()
