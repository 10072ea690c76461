"""Each user's exchange keys as last read, so that the app's most frequent private read
(every page shows the key list) does not go to the database each time.

A user's list is forgotten the moment a key of theirs changes: at once in the process that
changed it, and through the event bus (Redis's pub/sub with several processes) in every
other. An entry also lives at most `ttl` seconds, which bounds what a change no bus carried
can leave behind (a `tradedesk worker` without Redis, an operator's SQL, a message lost while
Redis was away)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tradedesk.domain.keys.model import ExchangeKey

KEYS_CHANGED_TOPIC = "exchange-keys"


@dataclass(frozen=True)
class ExchangeKeysChanged:
    """The event: these users' keys were added, removed, renamed or changed status."""

    user_ids: list[str]


class KeyListCache:
    def __init__(
        self,
        ttl: float,
        *,
        max_users: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_users = max_users
        self._clock = clock
        self._lists: dict[str, tuple[float, tuple[ExchangeKey, ...]]] = {}
        # bumped by every change: a list read before a change is not kept after it
        self.generation = 0

    def get(self, user_id: str) -> list[ExchangeKey] | None:
        kept = self.kept(user_id)
        return None if kept is None else list(kept)

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def kept(self, user_id: str) -> tuple[ExchangeKey, ...] | None:
        """The user's list as kept, the same object until it changes or expires: what a
        result computed from it can be cached under."""
        found = self._lists.get(user_id)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def put(self, user_id: str, keys: Iterable[ExchangeKey], read_at_generation: int) -> None:
        """Keeps a list read when `generation` was `read_at_generation`, unless keys changed
        since (the list may predate the change)."""
        if self._ttl <= 0 or read_at_generation != self.generation:
            return
        if len(self._lists) >= self._max_users and user_id not in self._lists:
            del self._lists[next(iter(self._lists))]  # the oldest kept
        self._lists[user_id] = (self._clock() + self._ttl, tuple(keys))

    def forget(self, user_ids: Iterable[str]) -> None:
        self.generation += 1
        for user_id in user_ids:
            self._lists.pop(user_id, None)
