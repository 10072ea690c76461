"""Market data: exchanges, trade types, symbols and the ticker a trader looks at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from tradedesk.domain.errors import InvalidValue


class ExchangeId(StrEnum):
    BINANCE = "BINANCE"


class TradeType(StrEnum):
    SPOT = "SPOT"
    FUTURES = "FUTURES"


_SYMBOL = re.compile(r"^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$")


def parse_symbol(raw: str) -> str:
    """A unified ccxt symbol such as `BTC/USDT`; `BTCUSDT` or `btc/usdt` is malformed."""
    if not _SYMBOL.match(raw):
        raise InvalidValue("must be valid exchange symbol")
    return raw


def parse_exchange_id(raw: str) -> ExchangeId:
    try:
        return ExchangeId(raw)
    except ValueError:
        raise InvalidValue("must be valid exchange id") from None


def parse_trade_type(raw: str) -> TradeType:
    try:
        return TradeType(raw)
    except ValueError:
        raise InvalidValue("must be valid exchange type") from None


@dataclass(frozen=True, slots=True)
class Ticker:
    """24-hour rolling statistics of one market, named and defined as ccxt's unified ticker."""

    symbol: str
    timestamp: int
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
