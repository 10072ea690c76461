"""Apollo's automatic persisted queries: a client sends a document's SHA-256 instead of its
text once the server has seen it. The hash-to-document store lives in memory (bounded, least
recently used first out), or in Redis when one is configured, so that every server knows a
document any one of them learned."""

from __future__ import annotations

from collections import OrderedDict

import redis.asyncio as redis

KEY_PREFIX = "tradedesk:apq:"
TTL_SECONDS = 30 * 24 * 3600  # a document unused for a month is asked for again


class PersistedQueries:
    def __init__(self, redis_url: str | None, *, max_entries: int) -> None:
        self._redis = redis.from_url(redis_url) if redis_url else None
        self._local: OrderedDict[str, str] = OrderedDict()
        self._max_entries = max_entries

    async def get(self, sha256: str) -> str | None:
        query = self._local.get(sha256)
        if query is not None:
            self._local.move_to_end(sha256)
            return query
        if self._redis is not None:
            stored = await self._redis.get(KEY_PREFIX + sha256)
            if stored is not None:
                query = stored.decode() if isinstance(stored, bytes) else stored
                self._remember(sha256, query)
        return query

    async def put(self, sha256: str, query: str) -> None:
        """Store a document whose hash the caller has checked."""
        self._remember(sha256, query)
        if self._redis is not None:
            await self._redis.set(KEY_PREFIX + sha256, query, ex=TTL_SECONDS)

    def _remember(self, sha256: str, query: str) -> None:
        self._local[sha256] = query
        self._local.move_to_end(sha256)
        while len(self._local) > self._max_entries:
            self._local.popitem(last=False)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
