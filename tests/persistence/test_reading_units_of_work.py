"""A unit of work declared `reading()` reads what is committed and cannot commit; on
PostgreSQL it opens no transaction of its own (no BEGIN and ROLLBACK around its reads)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tradedesk.persistence.engine import (
    make_engine,
    make_reading_session_factory,
    make_session_factory,
)
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.asyncio
NOW = datetime(2022, 10, 14, 19, 37, tzinfo=UTC)


def units_of_work(runtime):
    engine = runtime.engine
    sessions, reading = make_session_factory(engine), make_reading_session_factory(engine)
    return lambda: SqlUnitOfWork(sessions, reading)


async def test_a_reading_unit_of_work_reads_what_is_committed_and_cannot_commit(runtime):
    uow_factory = units_of_work(runtime)
    async with uow_factory() as uow:
        await uow.users.ensure(user_id="u1", subject="s1", email=None, name=None, now=NOW)
        await uow.commit()
        with pytest.raises(RuntimeError, match="before the unit of work is entered"):
            uow.reading()  # too late: it would keep its transaction yet refuse to commit

    async with uow_factory().reading() as uow:
        profile = await uow.profiles.get("u1")
        with pytest.raises(RuntimeError, match="commits nothing"):
            await uow.commit()

    assert profile.created_at == NOW


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_on_postgresql_a_reading_unit_of_work_opens_no_transaction(database_url):
    """On an engine of its own, used one unit of work at a time: one pooled connection, so
    the last one also shows that connection came back to the pool as it was."""
    engine = make_engine(database_url)
    sessions, reading = make_session_factory(engine), make_reading_session_factory(engine)

    async def in_a_transaction_after_a_read(uow: SqlUnitOfWork) -> tuple[object, bool]:
        await uow.session.execute(text("SELECT 1"))
        driver = (await (await uow.session.connection()).get_raw_connection()).driver_connection
        return driver, bool(driver.is_in_transaction())  # asyncpg's own word

    try:
        async with SqlUnitOfWork(sessions, reading) as uow:
            first, writing = await in_a_transaction_after_a_read(uow)
        async with SqlUnitOfWork(sessions, reading).reading() as uow:
            second, reads = await in_a_transaction_after_a_read(uow)
        async with SqlUnitOfWork(sessions, reading) as uow:
            third, writing_after = await in_a_transaction_after_a_read(uow)
    finally:
        await engine.dispose()

    assert first is second is third
    assert (writing, reads, writing_after) == (True, False, True)
