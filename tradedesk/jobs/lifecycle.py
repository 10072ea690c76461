"""A process's background jobs and their orderly stop.

On SIGTERM (or the end of the app's lifespan) every job is told to stop: a job finishes the
round it is in (a batch of copies, a keeper pass, a batch of alerts) and ends; what it had not
begun stays in the database for the next process. Jobs that hold nothing (the paper feed, the
Telegram long poll) are cancelled at once. A job still running at the deadline is cancelled,
and its leases lapse for another process to take over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("tradedesk.jobs")


class Jobs:
    def __init__(self) -> None:
        self.stopping = asyncio.Event()
        self._finishing: list[asyncio.Task[Any]] = []
        self._idle: list[asyncio.Task[Any]] = []

    def finishing(self, job: Coroutine[Any, Any, Any]) -> None:
        """A job that ends its round once `stopping` is set."""
        self._finishing.append(asyncio.create_task(job))

    def idle(self, job: Coroutine[Any, Any, Any]) -> None:
        """A job with nothing to finish: cancelled as soon as the stop begins."""
        self._idle.append(asyncio.create_task(job))

    async def stop(self, grace_seconds: float) -> bool:
        """Stops every job, waiting up to `grace_seconds` for rounds in flight; whether all
        of them finished in time."""
        self.stopping.set()
        for task in self._idle:
            task.cancel()
        pending: set[asyncio.Task[Any]] = set()
        if self._finishing:
            _done, pending = await asyncio.wait(self._finishing, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._finishing, *self._idle, return_exceptions=True)
        if pending:
            log.warning("%d job(s) did not finish within %.0f s", len(pending), grace_seconds)
        return not pending

    async def wait(self) -> None:
        """Until every job ended (a worker's main line)."""
        await asyncio.gather(*self._finishing, *self._idle, return_exceptions=True)
