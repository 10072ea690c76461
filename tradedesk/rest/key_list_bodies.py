"""The REST key list's body, rendered once for each list the domain keeps in memory."""

from __future__ import annotations

import orjson

from tradedesk.domain.keys.model import ExchangeKey
from tradedesk.rest import representations as rep


class KeyListBodies:
    """Each caller's key list rendered once for as long as the same list is kept in memory:
    every page shows it, and rendering it cost more than the rest of the request."""

    def __init__(self, max_users: int = 10_000) -> None:
        self._max_users = max_users
        self._bodies: dict[str, tuple[tuple[ExchangeKey, ...], bytes]] = {}

    def body(self, user_id: str, kept: tuple[ExchangeKey, ...]) -> bytes:
        found = self._bodies.get(user_id)
        if found is not None and found[0] is kept:
            return found[1]
        body = orjson.dumps({"items": [rep.exchange_key(key) for key in kept]})
        if len(self._bodies) >= self._max_users and user_id not in self._bodies:
            del self._bodies[next(iter(self._bodies))]  # the oldest rendered
        self._bodies[user_id] = (kept, body)
        return body
