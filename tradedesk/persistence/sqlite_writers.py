"""SQLite's writers take turns in the event loop, first come first served.

SQLite admits one writer at a time. A connection that wants to write while another holds
the lock is left to SQLite's busy handler, which sleeps and polls (1, 2, 5 ... then 100 ms
at a time) with no order among the waiters: under the mixed load of `bench/load.py`, with
four clients, an order's p99 was 456 ms though it wrote for a few milliseconds, and with
sixteen 2.7 s. Here a connection's first write statement waits for an asyncio lock instead
(in the order the writers came), and the lock is handed on as the transaction ends, or as
its connection goes back to the pool (closed or invalidated in the middle of one). Reads
never wait (WAL lets them run beside the writer). Other processes on the same file (a
`tradedesk worker`) still meet SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HOLDS = "tradedesk_sqlite_writer"  # in a connection's info while it holds the turn


def one_writer_at_a_time(engine: AsyncEngine, *, wait_seconds: float) -> None:
    """Makes the engine's writers wait their turn for at most `wait_seconds` (then, as
    SQLite's own timeout would, "database is locked")."""
    turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
        weakref.WeakKeyDictionary()
    )

    def turn() -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = turns.get(loop)
        if lock is None:
            lock = turns[loop] = asyncio.Lock()
        return lock

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def wait_for_turn(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _HOLDS in conn.info or not statement.lstrip().upper().startswith(WRITES):
            return
        lock = turn()
        try:
            await_only(_take(lock, wait_seconds))
        except TimeoutError:
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError(statement, None, locked) from None
        conn.info[_HOLDS] = lock

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def hand_on(conn: Any) -> None:
        _hand_on(conn.info)

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def hand_on_when_returned(_dbapi_connection: Any, record: Any) -> None:
        _hand_on(record.info)  # a connection closed or invalidated mid-transaction


def _hand_on(info: dict[Any, Any]) -> None:
    lock = info.pop(_HOLDS, None)
    if lock is not None:
        lock.release()


async def _take(lock: asyncio.Lock, seconds: float) -> None:
    """`asyncio.timeout`, not `wait_for`: on Python 3.11, a `wait_for` cancelled as the lock
    is granted can drop the grant, and the lock would never be handed on."""
    async with asyncio.timeout(seconds):
        await lock.acquire()
