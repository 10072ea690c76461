"""Prices as the public market shows them."""

from __future__ import annotations

from typing import Protocol

from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType


class TickerSource(Protocol):
    """Where tickers come from: the exchange port, or a cache in front of it."""

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker: ...


class MarketService:
    """Market data for both transports, read through the exchange port."""

    def __init__(self, gateway: TickerSource) -> None:
        self._gateway = gateway

    async def ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        """The current ticker; an unlisted but well-formed symbol is the exchange's 1300."""
        return await self._gateway.fetch_ticker(
            exchange_id=exchange_id, trade_type=trade_type, symbol=symbol
        )
