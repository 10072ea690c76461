"""The two databases every persistence and API test runs on: SQLite and the local PostgreSQL.

PostgreSQL gets a throw-away database per test session. Where the server cannot be reached the
PostgreSQL-backed tests skip on a developer's machine and fail under CI=true, so CI never
passes by skipping half of the suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from tradedesk.persistence import tables  # noqa: F401  (registers every table)
from tradedesk.persistence.engine import make_engine
from tradedesk.persistence.migrate import upgrade

ADMIN_URL = os.environ.get(
    "TRADEDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TRADEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """Create a fresh database, yield its SQLAlchemy URL, drop it afterwards."""
    name = f"tradedesk_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {ADMIN_URL} is unreachable: {exc}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'tradedesk.db'}"


async def migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
