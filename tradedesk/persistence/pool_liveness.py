"""A PostgreSQL connection is pinged in one round trip as it leaves the pool.

SQLAlchemy's `pool_pre_ping` on asyncpg is three round trips (BEGIN, an empty query,
ROLLBACK; the transaction is there for pgbouncer's transaction mode): a third of a one-row
read's CPU in the serving process. `SELECT 1` in the simple query protocol answers the same
question (is the backend there?) in one: it opens no transaction and prepares nothing, so
pgbouncer passes it as any statement. (An empty query would be shorter, but asyncpg fails to
read its answer.) A connection that fails it invalidates the pool, as a
failed pre-ping does when the server closed it (a killed backend or a restarted server took
its siblings too); any other failure replaces that connection alone. Either way the request
goes on with a new connection instead of failing.
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

_FRESH = "tradedesk_fresh"  # in a connection's info from its opening to its first checkout


def ping_on_checkout(engine: AsyncEngine) -> None:
    """Pings each asyncpg connection handed out of `engine`'s pool, but one it has just
    opened (as pre-ping does: on a retry the new connection is used, and a database that
    takes connections but fails queries fails the work as `Unavailable`)."""

    @event.listens_for(engine.sync_engine.pool, "connect")
    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info[_FRESH] = True

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def ping(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return
        connection = record.driver_connection
        try:
            await_only(connection.execute("SELECT 1"))
        except DEAD as error:
            went_down = connection.is_closed() or isinstance(error, OSError)
            connection.terminate()  # closing would wait on the failed query
            if went_down:  # the server or the network: the siblings went too
                raise exc.InvalidatePoolError(f"the ping failed: {error!r}") from error
            raise exc.DisconnectionError(f"the ping failed: {error!r}") from error
