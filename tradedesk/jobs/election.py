"""Which of the processes serving one database on one machine runs the in-process jobs: the
one holding an exclusive lock on a file in the data directory, named after the database.
`tradedesk serve --workers N` starts N processes; the first to take the lock runs the jobs.
The others try again every `RETRY_SECONDS`, and the operating system lets the lock go when
its process ends, so the jobs move to a process still serving (or to the one uvicorn starts
in its place, or to a new deployment beside an old one). Servers of other databases have
locks of their own. A data directory that cannot hold the lock (read-only) leaves each
process to run the jobs, as before there was a lock."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from tradedesk.jobs.lifecycle import Jobs

log = logging.getLogger("tradedesk.jobs")

RETRY_SECONDS = 5.0


class JobsLock:
    def __init__(self, data_dir: Path, database_url: str) -> None:
        database = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        self._path = data_dir / f"serve-jobs-{database}.lock"
        self._fd: int | None = None

    def take(self) -> bool:
        """Whether this process now holds the lock (it does not wait for it)."""
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("no jobs lock at %s (%s): this process runs the jobs", self._path, exc)
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


class ElectedJobs:
    """The background jobs, started once this process holds the lock: now, or when a retry
    finds it free."""

    def __init__(self, lock: JobsLock, start: Callable[[], Jobs]) -> None:
        self._lock = lock
        self._start = start
        self._jobs: Jobs | None = None
        self._waiting: asyncio.Task[None] | None = None

    def begin(self) -> None:
        if self._lock.take():
            self._run()
        else:
            log.info("process %d leaves the background jobs to another serving it", os.getpid())
            self._waiting = asyncio.create_task(self._wait())

    async def stop(self, grace_seconds: float) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
            await asyncio.gather(self._waiting, return_exceptions=True)
        if self._jobs is not None:
            await self._jobs.stop(grace_seconds)
        self._lock.release()

    async def _wait(self) -> None:
        # polled: a thread blocked in flock could not be cancelled, and would hold the stop
        while not self._lock.take():  # noqa: ASYNC110
            await asyncio.sleep(RETRY_SECONDS)
        self._run()

    def _run(self) -> None:
        log.info("process %d runs the background jobs", os.getpid())
        self._jobs = self._start()
