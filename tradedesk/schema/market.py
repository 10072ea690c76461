"""GraphQL types of markets: exchanges, trade types and tickers."""

from __future__ import annotations

import strawberry

from tradedesk.schema.scalars import Long


@strawberry.type(name="Ticker", description="24-hour rolling statistics, as ccxt defines them.")
class TickerType:
    symbol: str
    timestamp: Long
    datetime: str
    high: float
    low: float
    vwap: float
    open: float
    close: float
    last: float
    change: float
    percentage: float
    average: float
    base_volume: float
    quote_volume: float
