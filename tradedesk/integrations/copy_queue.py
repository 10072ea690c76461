"""The copy-trading queue on Redis, through taskiq: with `TRADEDESK_REDIS_URL` set, a signal's
copies are run by `tradedesk worker` processes, any number of them, on any machine.

A message only says "copies are due": the copies themselves stay leased rows in the database,
so a message lost, delivered twice or taken by a worker that dies never places an order twice
(the workers also look for due copies on their own now and then).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from taskiq.kicker import AsyncKicker
from taskiq.receiver import Receiver
from taskiq_redis import ListQueueBroker

TASK_NAME = "tradedesk.run_due_copies"
COPIES_PER_MESSAGE = 200  # what one worker takes per message, so that workers share a fan-out
WORKER_CONCURRENCY = 4  # messages one worker runs at once
RECONNECT_SECONDS = 1.0

log = logging.getLogger("tradedesk.copy_queue")


class RedisCopyQueue:
    def __init__(self, url: str) -> None:
        # redis-py times reads out after 5 s by default, and a worker waits for messages
        # far longer than that
        self._broker = ListQueueBroker(url, queue_name="tradedesk:copies", socket_timeout=None)
        self._started = False

    async def kick(self, copies: int) -> None:
        """One message per share of the copies, so that several workers run them."""
        await self._start()
        for _ in range(max(1, math.ceil(copies / COPIES_PER_MESSAGE))):
            await AsyncKicker(TASK_NAME, self._broker, {}).kiq()

    async def serve(self, run_due: Callable[[int], Awaitable[int]], stop: asyncio.Event) -> None:
        """Takes messages and runs due copies, until `stop` (a worker's main loop)."""

        async def run_due_copies() -> int:
            return await run_due(COPIES_PER_MESSAGE)

        self._broker.register_task(run_due_copies, task_name=TASK_NAME)
        while not stop.is_set():
            try:
                await self._start()
                receiver = Receiver(
                    self._broker, max_async_tasks=WORKER_CONCURRENCY, run_startup=False
                )
                await receiver.listen(stop)
            except Exception:  # Redis went away: wait, then listen again
                log.exception("copy queue: listening failed; trying again")
                await asyncio.sleep(RECONNECT_SECONDS)

    async def aclose(self) -> None:
        if self._started:
            await self._broker.shutdown()

    async def _start(self) -> None:
        if not self._started:
            await self._broker.startup()
            self._started = True
