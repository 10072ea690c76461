"""Live events across processes: Redis pub/sub behind the `EventBus` port.

With `TRADEDESK_REDIS_URL` set, every `serve` and `worker` process publishes its events to
Redis, and each process relays what Redis delivers to its own sockets through an in-process
`Broadcaster`. So a follower connected to one server sees the entry that a worker on another
machine placed, and an operator sees a signal published through any server.

Publishing never blocks the publisher: events wait in a bounded outbox that one task sends in
order (an entry is never seen after its stop). Delivery is live-only, as in one process: an
event published while Redis is away is logged and dropped; what happened is in the database.
Events travel as JSON, typed by the event classes the composition root registers, never as
pickles: whatever can write to Redis must not be able to run code here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as redis
from pydantic import TypeAdapter

from tradedesk.integrations.broadcast import Broadcaster

CHANNEL_PREFIX = "tradedesk:events:"
OUTBOX_SIZE = 10_000  # events waiting for Redis; past it the oldest are dropped
RECONNECT_SECONDS = 1.0
FLUSH_SECONDS = 2.0  # how long closing waits for the outbox to empty

log = logging.getLogger("tradedesk.redis_events")


class RedisEventBus:
    def __init__(self, url: str, event_types: Sequence[type]) -> None:
        # pub/sub reads wait for messages far longer than redis-py's default 5 s read timeout
        self._redis = redis.from_url(url, socket_timeout=None)
        self._codecs: dict[str, TypeAdapter[Any]] = {
            kind.__name__: TypeAdapter(kind) for kind in event_types
        }
        self._local = Broadcaster()
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self._sender: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    def publish(self, topic: str, event: object) -> None:
        name = type(event).__name__
        payload = {"type": name, "event": self._codecs[name].dump_python(event, mode="json")}
        if self._outbox.full():
            self._outbox.get_nowait()
            log.warning("event outbox full: the oldest event is dropped")
        self._outbox.put_nowait((CHANNEL_PREFIX + topic, json.dumps(payload)))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send())

    async def subscribe(self, topic: str) -> AsyncIterator[object]:
        """Events of `topic` from the moment the process listens to Redis on."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen())
        await self._listening.wait()
        async for event in self._local.subscribe(topic):
            yield event

    async def aclose(self) -> None:
        """Sends what is waiting (for a moment), then lets go of Redis."""
        if self._sender is not None and not self._sender.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.join(), FLUSH_SECONDS)
        for task in (self._sender, self._listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._redis.aclose()

    async def _send(self) -> None:
        while True:
            channel, message = await self._outbox.get()
            try:
                await self._redis.publish(channel, message)
            except (OSError, redis.RedisError) as error:
                log.warning("event on %s dropped: Redis is unreachable (%s)", channel, error)
            finally:
                self._outbox.task_done()

    async def _listen(self) -> None:
        """One pattern subscription per process, relayed to the topics someone here watches;
        reconnects for as long as the process lives."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                    async for message in pubsub.listen():
                        if message["type"] == "psubscribe":
                            self._listening.set()
                        elif message["type"] == "pmessage":
                            self._relay(message["channel"], message["data"])
            except (OSError, redis.RedisError) as error:
                log.warning("event bus: lost Redis (%s); listening again", error)
            self._listening.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    def _relay(self, channel: bytes, data: bytes) -> None:
        topic = channel.decode()[len(CHANNEL_PREFIX) :]
        if not self._local.watched(topic):
            return
        try:
            payload = json.loads(data)
            event = self._codecs[payload["type"]].validate_python(payload["event"])
        except (ValueError, KeyError, TypeError):
            log.warning("event bus: an unreadable message on %s was ignored", topic)
            return
        self._local.publish(topic, event)
