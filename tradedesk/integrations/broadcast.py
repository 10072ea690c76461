"""In-process publish/subscribe for live GraphQL subscriptions (one server process).

Each subscriber has its own bounded queue: a subscriber that stops reading loses its oldest
events instead of slowing down whoever publishes (a signal's fan-out never waits on a socket).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

SUBSCRIBER_BUFFER = 100


class Broadcaster:
    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[object]]] = defaultdict(set)

    def publish(self, topic: str, event: object) -> None:
        for queue in self._queues.get(topic, ()):
            if queue.full():
                queue.get_nowait()  # drop the oldest for this slow subscriber
            queue.put_nowait(event)

    def watched(self, topic: str) -> bool:
        """Whether anyone here subscribes to the topic."""
        return topic in self._queues

    async def subscribe(self, topic: str) -> AsyncIterator[object]:
        queue: asyncio.Queue[object] = asyncio.Queue(maxsize=SUBSCRIBER_BUFFER)
        self._queues[topic].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]
