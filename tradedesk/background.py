"""The background jobs of `serve` and `worker`, and their orderly stop.

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

from tradedesk.bootstrap import Runtime
from tradedesk.integrations.exchange.paper_gateway import PaperGateway

log = logging.getLogger("tradedesk.background")

COPY_POLL_SECONDS = 1.0
REPORT_POLL_SECONDS = 300.0  # how often due weekly and monthly reports are looked for


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


def serve_jobs(runtime: Runtime, *, owned: bool) -> Jobs:
    """What `serve` runs beside the API (each can be left to `worker`s by its setting). An
    app on a runtime it does not own (tests, benchmarks) runs only the paper market."""
    jobs, settings, services = Jobs(), runtime.settings, runtime.services
    if isinstance(runtime.exchange, PaperGateway):
        jobs.idle(runtime.exchange.run())  # stops trigger unasked
    if not owned:
        return jobs
    if settings.snapshot_interval_seconds:
        jobs.finishing(
            services.balance_history.run(settings.snapshot_interval_seconds, jobs.stopping)
        )
    if runtime.copy_queue is None:  # else `tradedesk worker`s run the copies
        jobs.finishing(services.copy_trading.run(COPY_POLL_SECONDS, jobs.stopping))
    if settings.alert_poll_seconds:  # reports are mailed like alerts: 0 leaves both to workers
        jobs.finishing(services.alert_delivery.run(settings.alert_poll_seconds, jobs.stopping))
        jobs.finishing(services.reports.run(REPORT_POLL_SECONDS, jobs.stopping))
    if settings.protection_poll_seconds:
        jobs.finishing(services.protection.run(settings.keeper_interval, jobs.stopping))
        jobs.finishing(services.strategy_reference.run(settings.keeper_interval, jobs.stopping))
    return jobs


def worker_jobs(runtime: Runtime) -> Jobs:
    """What `tradedesk worker` runs. With the paper exchange the accounts live in the serving
    process, so trades and copies are left to `serve`."""
    jobs, settings, services = Jobs(), runtime.settings, runtime.services
    stopping = jobs.stopping
    jobs.finishing(
        services.balance_history.run(settings.snapshot_interval_seconds or 3600, stopping)
    )
    jobs.finishing(services.alert_delivery.run(settings.alert_poll_seconds or 1.0, stopping))
    jobs.finishing(services.reports.run(REPORT_POLL_SECONDS, stopping))
    if settings.telegram_bot_token and not settings.telegram_webhook_secret:
        jobs.idle(services.telegram_linking.poll())  # no public URL: long polling
    if settings.exchange == "paper":
        return jobs
    poll = settings.protection_poll_seconds or 5
    jobs.finishing(services.protection.run(settings.keeper_interval, stopping))
    jobs.finishing(services.strategy_reference.run(poll, stopping))
    copying = services.copy_trading
    if runtime.copy_queue is None:
        jobs.finishing(copying.run(COPY_POLL_SECONDS, stopping))
    else:  # messages drive it; the poll picks up what a lost message left
        jobs.finishing(runtime.copy_queue.serve(copying.run_due, stopping))
        jobs.finishing(copying.run(poll, stopping))
    return jobs
