"""The background loops (snapshots, the keeper, copies, alerts, reports): a round now and then
every interval, until shutdown. A round that has begun always runs to its end, so stopping
never leaves a job half-done; what is left for later is picked up by the next process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("tradedesk.rounds")


async def repeat(
    round_: Callable[[], Awaitable[object]],
    *,
    interval: float,
    stopping: asyncio.Event,
    name: str,
    wake: asyncio.Event | None = None,
) -> None:
    """Runs `round_` until `stopping` is set: again after `interval` seconds, or at once when
    `wake` is set. One failed round is logged and the next one runs as usual."""
    while not stopping.is_set():
        try:
            await round_()
        except Exception:  # one bad round must not stop the job for good
            log.exception("%s: round failed", name)
        await _pause(interval, stopping, wake)


async def _pause(interval: float, stopping: asyncio.Event, wake: asyncio.Event | None) -> None:
    waits = [asyncio.ensure_future(stopping.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    if wake is not None:
        wake.clear()
