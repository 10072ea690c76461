"""Fixtures: a migrated database per backend, a seeded app on it, an HTTP client to the app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from tests.simulator.facade import serving_facade
from tests.standins.cognito import CognitoPool
from tests.support.clocks import SteppedClock
from tests.support.databases import REDIS_URL, migrate, postgres_database, sqlite_url
from tradedesk.app import create_app
from tradedesk.bootstrap import Runtime, build_runtime
from tradedesk.config import load_settings
from tradedesk.persistence import tables  # noqa: F401  (registers every table)
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.seed import seed_public_data
from tradedesk.simulator.faults import Faults

NOW = datetime(2022, 10, 19, 15, 9, 49, 57000, tzinfo=UTC)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each backend once per session, migrated to head by alembic."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("sqlite"))
        await migrate(url)
        yield url
    else:
        async with postgres_database() as url:
            await migrate(url)
            yield url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database of its own, emptied before and after; skipped without a Redis on a
    developer's machine, failed under CI=true."""
    client = redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except (OSError, redis.RedisError) as exc:
        await client.aclose()
        message = f"Redis at {REDIS_URL} is unreachable: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(NOW)


@pytest.fixture(scope="session")
def cognito() -> Iterator[CognitoPool]:
    pool = CognitoPool()
    yield pool
    pool.stop()


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Extra settings for the runtime; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
async def runtime(
    database_url: str,
    clock: SteppedClock,
    cognito: CognitoPool,
    tmp_path: Path,
    settings_overrides: dict[str, object],
) -> AsyncIterator[Runtime]:
    """The service on a database holding exactly the documented public data, trusting the
    moto Cognito pool's tokens."""
    settings = load_settings(
        database_url=database_url,
        public_cache_ttl_seconds=5,
        data_dir=tmp_path,
        **{
            # rate limits are tested on their own (test_rate_limits); elsewhere they stay away
            "rate_limit_read": "100000/minute",
            "rate_limit_write": "100000/minute",
            "rate_limit_exchange": "100000/minute",
            "rate_limit_ip": "100000/minute",
            **cognito.settings(),
            **settings_overrides,  # a test's own settings win
        },
    )
    runtime = build_runtime(settings, clock=clock)
    await _reset(runtime.engine)
    await seed_public_data(make_session_factory(runtime.engine))
    yield runtime
    await runtime.aclose()


async def _reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tradedesk.test") as http:
        yield http


class StatementCounter:
    """Counts SQL statements sent through an engine, to prove lists do not query per row."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self._engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)


@pytest.fixture
def count_statements(runtime: Runtime) -> StatementCounter:
    return StatementCounter(runtime.engine)


@pytest.fixture
def faults() -> Faults:
    """The venue's outage switches, off until a test turns one on."""
    return Faults()


@pytest.fixture
async def venue(faults: Faults):
    """The paper exchange's Binance-compatible facade on loopback: (engine, base URL)."""
    async with serving_facade(faults=faults) as served:
        yield served
