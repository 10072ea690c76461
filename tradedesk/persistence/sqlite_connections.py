"""SQLite connections that read on the event loop and write on aiosqlite's thread.

aiosqlite runs every call (a cursor, a statement, each fetch, the rollback) on a thread of the
connection's own, and each call is two thread hand-offs: under `bench/load.py` a one-row read
cost the serving process about 820 µs of CPU, against 330 µs with the same calls made in
place. A read outside a write transaction never waits for SQLite's lock (WAL lets readers run
beside the writer), so it is made in place. Whatever may wait for the lock or for the disk
goes to the thread as before, so SQLite's busy handler (another process writing) and a
checkpoint do not stall the loop: every statement that is not a SELECT, closing the
connection, a connection with a write transaction open, and everything while an earlier
call is still queued there (a call cancelled mid-flight keeps running, and the next one must
come after it). A read can still meet the busy handler in rare cases (recovering the WAL
after a crash), and a long read holds the loop while it runs.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

import aiosqlite
from aiosqlite.core import _connection_worker_thread

_CURSOR_READS = frozenset({"fetchone", "fetchmany", "fetchall", "close"})
_CONNECTION_READS = frozenset({"cursor", "commit", "rollback"})

Job = tuple[asyncio.Future[Any] | None, Callable[[], Any]]


class LoopReadsConnection(aiosqlite.Connection):
    """An aiosqlite connection whose reads run in place (see the module's docstring)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx: _CountedQueue = _CountedQueue()
        self._thread = threading.Thread(
            target=_connection_worker_thread, args=(self._tx,), daemon=True
        )

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if connection is not None and self._tx.idle() and _reads(connection, fn, args):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> LoopReadsConnection:
    """`aiosqlite.connect` with reads in place; SQLAlchemy's `async_creator_fn`. The sqlite3
    connection is used from two threads, one at a time, so it may not check which."""
    options = {**kwargs, "check_same_thread": False}
    connector = functools.partial(sqlite3.connect, database, **options)
    return LoopReadsConnection(connector, iter_chunk_size)


def _reads(connection: sqlite3.Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Whether the call only reads, by a list of what may run in place: a SELECT, a cursor
    and its fetches and closing, and a commit or rollback with no write transaction to end
    (pysqlite opens one before its first write). Anything else (another statement, closing
    the connection, which may checkpoint) goes to the thread."""
    if connection.in_transaction:
        return False
    name = getattr(fn, "__name__", "")
    if isinstance(getattr(fn, "__self__", None), sqlite3.Cursor):
        if name == "execute":
            return str(args[0]).lstrip()[:6].upper() == "SELECT"
        return name in _CURSOR_READS
    return name in _CONNECTION_READS


class _CountedQueue(SimpleQueue[Job]):
    """aiosqlite's queue to its thread, counting the calls not yet finished there."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._unfinished = 0

    def idle(self) -> bool:
        return self._unfinished == 0

    def put_nowait(self, item: Job) -> None:
        future, function = item
        with self._lock:
            self._unfinished += 1
        super().put_nowait((future, functools.partial(self._run, function)))

    def _run(self, function: Callable[[], Any]) -> Any:
        try:
            return function()
        finally:
            with self._lock:
                self._unfinished -= 1
