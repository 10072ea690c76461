"""A PostgreSQL connection is pinged in one round trip as it leaves the pool.

SQLAlchemy's `pool_pre_ping` on asyncpg is three round trips (BEGIN, an empty query,
ROLLBACK; the transaction is there for pgbouncer's transaction mode): a third of a one-row
read's CPU in the serving process. `SELECT 1` in the simple query protocol answers the same
question (is the backend there?) in one: it opens no transaction and prepares nothing, so
pgbouncer passes it as any statement. (An empty query would be shorter, but asyncpg fails to
read its answer.) A connection that fails it invalidates the pool, as a
failed pre-ping does: a killed backend or a restarted server took its siblings too, and the
request goes on with a new connection instead of failing.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

# what asyncpg raises on a dead backend: a socket error, a timeout, the server's goodbye
# (AdminShutdown), a closed connection, or a protocol left mid-operation by the goodbye
DEAD = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


def ping_on_checkout(engine: AsyncEngine) -> None:
    """Pings each asyncpg connection handed out of `engine`'s pool."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def ping(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            await_only(record.driver_connection.execute("SELECT 1"))
        except DEAD as error:
            record.driver_connection.terminate()  # closing would wait on the failed query
            raise exc.InvalidatePoolError(f"the ping failed: {error!r}") from error
