"""One URL picks the database: SQLite through aiosqlite, or PostgreSQL through asyncpg."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tradedesk.persistence import sqlite_connections
from tradedesk.persistence.pool_liveness import ping_on_checkout
from tradedesk.persistence.sqlite_writers import one_writer_at_a_time

log = logging.getLogger("tradedesk.persistence")
SQLITE_LOCK_SECONDS = 30  # the longest a writer waits for SQLite's lock before failing


def make_engine(url: str, *, statement_timeout: float | None = None) -> AsyncEngine:
    """`statement_timeout` bounds each PostgreSQL statement (asyncpg's `command_timeout`), and
    connecting, so a silent database fails a request instead of holding it; None (migrations,
    which may rebuild big tables) waits as long as the database takes."""
    options: dict[str, Any] = {}
    if statement_timeout is not None:
        options["connect_args"] = {
            "command_timeout": statement_timeout,
            "timeout": statement_timeout,
        }
    if url.startswith("sqlite"):
        connect_args = {
            "timeout": SQLITE_LOCK_SECONDS,
            "async_creator_fn": sqlite_connections.connect,
        }
        options = {"connect_args": connect_args}
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "close", _roll_back_before_closing)
        one_writer_at_a_time(engine, wait_seconds=SQLITE_LOCK_SECONDS)
    else:
        ping_on_checkout(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys and let readers run beside the one writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _roll_back_before_closing(dbapi_connection: Any, _record: Any) -> None:
    """A connection SQLAlchemy closes after a cancelled statement (a GraphQL field cancelled
    with its siblings, a job cut off at shutdown) may still hold an unfinished statement,
    such as an `UPDATE ... RETURNING` whose rows were not yet read. SQLite then keeps the
    connection, its transaction and the database's write lock until that statement is
    garbage-collected, and every writer waits. Rolling back first ends the transaction."""
    try:
        dbapi_connection.rollback()
    except Exception:  # closed already, or outside the event loop (garbage collection)
        log.debug("no rollback before closing %r", dbapi_connection, exc_info=True)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_reading_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work that only read. On PostgreSQL they run in AUTOCOMMIT,
    on the same pool: a one-statement read is then one round trip instead of three (BEGIN,
    the statement, ROLLBACK). SQLite's reads open no transaction anyway."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return make_session_factory(engine)
