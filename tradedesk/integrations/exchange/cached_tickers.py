"""One upstream ticker fetch per market per TTL, however many readers ask at once.

Wraps any `ExchangeGateway`. Readers of a fresh entry get it from memory; readers arriving
while a fetch is in flight await that same fetch (request coalescing), so a thousand concurrent
requests for BTC/USDT cause one upstream call. A symbol the exchange does not list is
remembered for the TTL as well; an unavailable upstream is not, so the next reader retries.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tradedesk.domain.errors import BusinessRuleViolation
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.ports import Clock

Key = tuple[ExchangeId, TradeType, str]


@dataclass(slots=True)
class _Entry:
    fetched_at: float
    result: asyncio.Future[Ticker]


class CachedTickers:
    def __init__(self, upstream: ExchangeGateway, clock: Clock, *, ttl_seconds: float) -> None:
        self._upstream = upstream
        self._clock = clock
        self._ttl = ttl_seconds
        self._entries: dict[Key, _Entry] = {}

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        key = (exchange_id, trade_type, symbol)
        entry = self._entries.get(key)
        if entry is None or self._expired(entry):
            entry = _Entry(self._clock.monotonic(), asyncio.ensure_future(self._fetch(key)))
            entry.result.add_done_callback(_observe)
            self._entries[key] = entry
        return await asyncio.shield(entry.result)

    def _expired(self, entry: _Entry) -> bool:
        if not entry.result.done():
            return False  # in flight: join it
        return self._clock.monotonic() - entry.fetched_at >= self._ttl

    async def _fetch(self, key: Key) -> Ticker:
        exchange_id, trade_type, symbol = key
        try:
            return await self._upstream.fetch_ticker(
                exchange_id=exchange_id, trade_type=trade_type, symbol=symbol
            )
        except BusinessRuleViolation:
            raise  # deterministic (an unlisted symbol): remembered for the TTL like a ticker
        except BaseException:
            self._entries.pop(key, None)  # transient: the next reader fetches again
            raise


def _observe(result: asyncio.Future[Ticker]) -> None:
    """Mark a failure as seen, so asyncio does not warn when every reader was cancelled."""
    if not result.cancelled():
        result.exception()
