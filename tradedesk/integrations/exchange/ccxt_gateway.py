"""The exchange port over ccxt: Binance spot through `binance`, USDT-M futures through
`binanceusdm`.

Public clients are built once per trade type and reused for every request; their markets are
loaded once. `base_url`, when given, moves every ccxt API host of both classes onto it (the
paper exchange's Binance-compatible facade in tests and local runs).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ccxt
import ccxt.async_support as ccxt_async

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market import ExchangeId, Ticker, TradeType
from tradedesk.integrations.exchange.ccxt_errors import ExchangeUnreachable, to_domain

log = logging.getLogger("tradedesk.exchange")

READ_ATTEMPTS = 3
# Ticker field -> ccxt's unified ticker key; every one must be a number.
_TICKER_NUMBERS = {
    "high": "high",
    "low": "low",
    "vwap": "vwap",
    "open": "open",
    "close": "close",
    "last": "last",
    "change": "change",
    "percentage": "percentage",
    "average": "average",
    "base_volume": "baseVolume",
    "quote_volume": "quoteVolume",
}
RETRY_DELAY_SECONDS = 0.2


def rewrite_hosts(api: Any, base_url: str) -> Any:
    """ccxt's `urls['api']` (a nested dict of URLs) with every host replaced by `base_url`'s."""
    base = urlsplit(base_url)
    if isinstance(api, str):
        url = urlsplit(api)
        return urlunsplit((base.scheme, base.netloc, url.path, url.query, url.fragment))
    if isinstance(api, dict):
        return {key: rewrite_hosts(value, base_url) for key, value in api.items()}
    return api


class CcxtGateway:
    def __init__(self, *, base_url: str | None = None, timeout_ms: int = 10_000) -> None:
        self._base_url = base_url
        self._timeout_ms = timeout_ms
        self._public: dict[TradeType, Any] = {}
        self._ready: dict[TradeType, asyncio.Task[Any]] = {}

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        client = await self._client(trade_type)
        unified = symbol if trade_type is TradeType.SPOT else f"{symbol}:USDT"
        if unified not in client.markets:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
        raw = await self._read(lambda: client.fetch_ticker(unified), action="fetch_ticker")
        try:
            if not isinstance(raw["datetime"], str):
                raise TypeError("datetime")
            return Ticker(
                symbol=symbol,
                timestamp=int(raw["timestamp"]),
                datetime=raw["datetime"],
                **{field: float(raw[key]) for field, key in _TICKER_NUMBERS.items()},
            )
        except (KeyError, TypeError, ValueError):
            log.warning("fetch_ticker %s: incomplete ticker from the exchange: %s", symbol, raw)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None

    async def aclose(self) -> None:
        for client in self._public.values():
            await client.close()
        self._public.clear()
        self._ready.clear()

    async def _client(self, trade_type: TradeType) -> Any:
        """The public client of this trade type, with its markets loaded (once)."""
        ready = self._ready.get(trade_type)
        failed = ready is not None and ready.done() and (ready.cancelled() or ready.exception())
        if ready is None or failed:
            ready = asyncio.ensure_future(self._build(trade_type))
            self._ready[trade_type] = ready
        return await asyncio.shield(ready)

    async def _build(self, trade_type: TradeType) -> Any:
        client = self._public.get(trade_type) or self._new_client(trade_type)
        self._public[trade_type] = client
        await self._read(client.load_markets, action="load_markets")
        return client

    def _new_client(self, trade_type: TradeType) -> Any:
        spot = trade_type is TradeType.SPOT
        factory = ccxt_async.binance if spot else ccxt_async.binanceusdm
        client = factory(
            {
                "enableRateLimit": True,
                "timeout": self._timeout_ms,
                "options": {
                    "fetchMarkets": {"types": ["spot" if spot else "linear"]},
                    "fetchCurrencies": False,
                    "fetchMargins": False,
                },
            }
        )
        if self._base_url:
            client.urls["api"] = rewrite_hosts(client.urls["api"], self._base_url)
        return client

    async def _read(self, call: Any, *, action: str) -> Any:
        """An idempotent read, retried a few times while the exchange is unreachable."""
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                return await call()
            except ccxt.BaseError as error:
                mapped = to_domain(error, action=action)
                if not isinstance(mapped, ExchangeUnreachable):
                    raise mapped from None
                if attempt == READ_ATTEMPTS:
                    raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None
                await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)
        raise AssertionError("unreachable")
