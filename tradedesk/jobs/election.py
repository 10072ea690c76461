"""Which of the processes serving one database on one machine runs the in-process jobs: the
one holding an exclusive lock on a file in the data directory, named after the database.
`tradedesk serve --workers N` starts N processes; the first to take the lock runs the jobs,
and the operating system lets it go when that process ends, so the process uvicorn starts in
its place takes it over. Servers of other databases have locks of their own."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger("tradedesk.jobs")


class JobsLock:
    def __init__(self, data_dir: Path, database_url: str) -> None:
        database = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        self._path = data_dir / f"serve-jobs-{database}.lock"
        self._fd: int | None = None

    def take(self) -> bool:
        """Whether this process now runs the jobs (without waiting for the lock)."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            log.info("process %d leaves the background jobs to another serving it", os.getpid())
            return False
        self._fd = fd
        log.info("process %d runs the background jobs", os.getpid())
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
