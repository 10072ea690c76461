"""SQLite's writers in one process take turns in the order they came, not by SQLite's
busy handler, which sleeps up to 100 ms between looks and serves no one first."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.support.databases import sqlite_url
from tradedesk.persistence.engine import make_engine
from tradedesk.persistence.sqlite_writers import one_writer_at_a_time

pytestmark = pytest.mark.asyncio


async def impatient_engine(tmp_path) -> AsyncEngine:
    """An engine whose writers wait their turn 0.2 s at most, with an empty table `log`."""
    engine = create_async_engine(sqlite_url(tmp_path))
    one_writer_at_a_time(engine, wait_seconds=0.2)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE log (n INTEGER)"))
    return engine


async def test_writers_go_in_the_order_they_came_and_readers_never_wait(tmp_path):
    engine = make_engine(sqlite_url(tmp_path))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE log (n INTEGER)"))
    holder_wrote = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO log VALUES (0)"))
            holder_wrote.set()
            await release.wait()
            await connection.commit()

    async def writer(n: int) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO log VALUES (:n)"), {"n": n})
            await connection.commit()

    holding = asyncio.create_task(holder())
    await holder_wrote.wait()
    writers = []
    for n in range(1, 7):
        writers.append(asyncio.create_task(writer(n)))
        await asyncio.sleep(0.02)  # each is waiting before the next comes
    async with engine.connect() as reader:  # while six writers wait
        before = (await reader.execute(text("SELECT count(*) FROM log"))).scalar()
    release.set()
    await asyncio.gather(holding, *writers)
    async with engine.connect() as connection:
        order = (await connection.execute(text("SELECT n FROM log ORDER BY rowid"))).scalars()
        assert list(order) == [0, 1, 2, 3, 4, 5, 6]
    assert before == 0
    await engine.dispose()


async def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(tmp_path):
    engine = await impatient_engine(tmp_path)

    async with engine.connect() as holder, engine.connect() as late:
        await holder.execute(text("INSERT INTO log VALUES (1)"))
        with pytest.raises(OperationalError, match="database is locked"):
            await late.execute(text("INSERT INTO log VALUES (2)"))
        await holder.commit()
    async with engine.begin() as connection:  # the turn was handed on
        await connection.execute(text("INSERT INTO log VALUES (3)"))
    await engine.dispose()


async def test_the_turn_is_handed_on_by_a_rollback_and_by_a_connection_lost_mid_write(tmp_path):
    engine = await impatient_engine(tmp_path)

    async with engine.connect() as rolled_back:
        await rolled_back.execute(text("INSERT INTO log VALUES (1)"))
        await rolled_back.rollback()  # its connection still open, no longer writing
        lost = await engine.connect()
        await lost.execute(text("INSERT INTO log VALUES (2)"))
        await lost.invalidate()  # gone mid-transaction: back to the pool, never committed
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO log VALUES (3)"))
    async with engine.connect() as connection:
        assert list((await connection.execute(text("SELECT n FROM log"))).scalars()) == [3]
    await engine.dispose()
