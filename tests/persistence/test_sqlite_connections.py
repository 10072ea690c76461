"""SQLite reads run in place on the event loop; whatever may wait for SQLite's lock runs on
the connection's thread, so another process writing never stalls the loop, and a call still
running there is never overtaken."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, text

from tests.support.databases import sqlite_url
from tradedesk.persistence import sqlite_connections
from tradedesk.persistence.engine import make_engine

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def engine(tmp_path):
    """The app's engine on a new file with a table `t`; `thread()` in SQL names the thread
    that runs the statement."""
    engine = make_engine(sqlite_url(tmp_path))

    @event.listens_for(engine.sync_engine, "connect")
    def thread_function(dbapi_connection, _record):
        dbapi_connection.create_function("thread", 0, threading.get_ident)

    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER, thread INTEGER)"))
    yield engine
    await engine.dispose()


async def test_reads_run_on_the_loop_and_writes_on_the_connection_thread(engine):
    loop_thread = threading.get_ident()
    async with engine.connect() as connection:
        read = await connection.scalar(text("SELECT thread()"))
        await connection.execute(text("INSERT INTO t VALUES (1, thread())"))
        read_in_the_write = await connection.scalar(text("SELECT thread()"))
        await connection.commit()
        written = await connection.scalar(text("SELECT thread FROM t"))

    assert read == loop_thread
    assert written != loop_thread
    assert read_in_the_write == written  # inside a write transaction, all of it there


async def test_another_process_writing_stalls_neither_reads_nor_the_loop(engine, tmp_path):
    other = sqlite3.connect(tmp_path / "tradedesk.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock, as a `tradedesk worker` may
    other.execute("INSERT INTO t VALUES (2, 0)")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.5, other.execute, "COMMIT")
    started = time.monotonic()
    async with engine.begin() as connection:
        seen = await connection.scalar(text("SELECT count(*) FROM t"))
        read_after = time.monotonic() - started
        await connection.execute(text("INSERT INTO t VALUES (3, 0)"))  # waits for the lock
    waited = time.monotonic() - started
    ticker.cancel()
    other.close()

    assert (seen, read_after < 0.2) == (0, True)  # the other's uncommitted row is unseen
    assert waited >= 0.45
    assert ticks >= 20  # the loop ran on while the writer waited


async def test_a_call_cancelled_on_the_thread_is_not_overtaken(tmp_path):
    """A statement cancelled while it runs on the thread goes on running there; the next
    call, even a read, comes after it."""
    (tmp_path / "test.db").touch()
    connection = await sqlite_connections.connect(str(tmp_path / "test.db"))
    order: list[str] = []

    def slow() -> int:
        time.sleep(0.3)
        order.append("slow statement done")
        return 1

    await connection.create_function("slow", 0, slow)
    await connection.create_function("thread", 0, threading.get_ident)
    # not a SELECT, so it goes to the thread
    slow_statement = asyncio.create_task(
        connection.execute("WITH s AS (SELECT slow()) SELECT * FROM s")
    )
    await asyncio.sleep(0.05)
    slow_statement.cancel()
    cursor = await connection.execute("SELECT thread()")
    (thread,) = await cursor.fetchone()
    order.append("read done")
    await connection.close()

    assert order == ["slow statement done", "read done"]
    assert thread != threading.get_ident()
