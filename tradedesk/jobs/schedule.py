"""What `serve` and `worker` run in the background, and how often: each job repeats one
round of a domain service (`jobs/rounds.py`) until the process stops (`jobs/lifecycle.py`).
The services know nothing of scheduling; each offers the round it does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tradedesk.bootstrap import Runtime
from tradedesk.integrations.exchange.paper_gateway import PaperGateway
from tradedesk.jobs.lifecycle import Jobs
from tradedesk.jobs.rounds import repeat

log = logging.getLogger("tradedesk.jobs")

COPY_POLL_SECONDS = 1.0
REPORT_POLL_SECONDS = 300.0  # how often due weekly and monthly reports are looked for


def market_jobs(runtime: Runtime) -> Jobs:
    """What every serving process runs: hearing of the key lists other processes changed,
    and the paper exchange's market, in process, if that is the exchange (stops trigger
    unasked)."""
    jobs = Jobs()
    jobs.idle(runtime.services.exchange_keys.follow_changes())
    if isinstance(runtime.exchange, PaperGateway):
        jobs.idle(runtime.exchange.run())
    return jobs


def serve_jobs(runtime: Runtime) -> Jobs:
    """The background jobs `serve` runs beside the API, in one serving process of a database
    (`jobs/election.py`); each can be left to `worker`s by its setting."""
    jobs, settings = Jobs(), runtime.settings
    if settings.snapshot_interval_seconds:
        _snapshots(jobs, runtime, settings.snapshot_interval_seconds)
    if runtime.copy_queue is None:  # else `tradedesk worker`s run the copies
        _copies(jobs, runtime, COPY_POLL_SECONDS)
    if settings.alert_poll_seconds:  # reports are mailed like alerts: 0 leaves both to workers
        _mail(jobs, runtime, settings.alert_poll_seconds)
    if settings.protection_poll_seconds:
        _trades(jobs, runtime, settings.keeper_interval, settings.keeper_interval)
    return jobs


def worker_jobs(runtime: Runtime) -> Jobs:
    """What `tradedesk worker` runs. With the paper exchange the accounts live in the serving
    process, so trades and copies are left to `serve`."""
    jobs, settings, services = Jobs(), runtime.settings, runtime.services
    _snapshots(jobs, runtime, settings.snapshot_interval_seconds or 3600)
    _mail(jobs, runtime, settings.alert_poll_seconds or 1.0)
    if settings.telegram_bot_token and not settings.telegram_webhook_secret:
        jobs.idle(services.telegram_linking.poll())  # no public URL: long polling
    if settings.exchange == "paper":
        return jobs
    poll = settings.protection_poll_seconds or 5
    _trades(jobs, runtime, settings.keeper_interval, poll)
    if runtime.copy_queue is None:
        _copies(jobs, runtime, COPY_POLL_SECONDS)
    else:  # messages drive it; the poll picks up what a lost message left
        jobs.finishing(runtime.copy_queue.serve(services.copy_dispatcher.run_due, jobs.stopping))
        _copies(jobs, runtime, poll)
    return jobs


def _every(
    jobs: Jobs,
    seconds: float,
    round_: Callable[[], Awaitable[object]],
    name: str,
    wake: asyncio.Event | None = None,
) -> None:
    """`round_` now and every `seconds` (or at once when `wake` is set) until the stop."""
    jobs.finishing(repeat(round_, interval=seconds, stopping=jobs.stopping, name=name, wake=wake))


def _snapshots(jobs: Jobs, runtime: Runtime, seconds: float) -> None:
    """Each active key's balance, recorded once per UTC day."""
    history = runtime.services.balance_history

    async def snapshots() -> None:
        if recorded := await history.take_snapshots():
            log.info("recorded %d balance snapshot(s)", recorded)

    _every(jobs, seconds, snapshots, "balance snapshots")


def _copies(jobs: Jobs, runtime: Runtime, seconds: float) -> None:
    """Signals' copies: at once when this process publishes one, and every interval for those
    another process published or left behind."""
    services = runtime.services
    wake = services.signal_publishing.published
    _every(jobs, seconds, services.copy_dispatcher.drain, "copy trading", wake=wake)


def _mail(jobs: Jobs, runtime: Runtime, seconds: float) -> None:
    """Due alerts (a backlog batch after batch), and due weekly and monthly reports."""
    services = runtime.services
    _every(jobs, seconds, services.alert_delivery.deliver_backlog, "alert delivery")
    _every(jobs, REPORT_POLL_SECONDS, services.reports.send_due, "reports")


def _trades(jobs: Jobs, runtime: Runtime, keeper_seconds: float, reference_seconds: float) -> None:
    """The protection keeper's passes over open trades, the strategies' reference accounts,
    and the followers' portfolio stops (an account read per key with one, each round)."""
    services = runtime.services
    _every(jobs, keeper_seconds, services.protection.tick, "protection keeper")
    if services.protection.streams is not None:
        jobs.idle(services.protection.react())  # what the streams tell, as it comes
    _every(jobs, reference_seconds, services.strategy_reference.tick, "strategy reference")
    _every(jobs, reference_seconds, services.portfolio_stops.tick, "portfolio stops")
