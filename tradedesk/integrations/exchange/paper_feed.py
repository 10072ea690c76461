"""A deterministic paper market: tickers from a seeded random walk around configured prices.

Each market (symbol and trade type) follows a mean-reverting walk in log price, one step per
minute. A step's shock is a pure function of (seed, market, minute), so every process, and every
test, sees the same prices at the same moment. The 24 hours before `now` are rebuilt from a long
burn-in, so consecutive windows agree to within a negligible truncation error; each window is
computed once per minute and market, then reused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC
from hashlib import blake2b

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType
from tradedesk.domain.ports import Clock
from tradedesk.domain.timestamps import iso_millis

WINDOW_MINUTES = 24 * 60
BURN_IN_MINUTES = 3000
REVERSION = 0.998  # per minute; a shock's half-life is about six hours
SHOCK = 0.0008  # standard deviation of one minute's log-return shock
QUOTE_VOLUME_PER_MINUTE = 3_800_000.0  # USDT traded in an average minute
_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class _Window:
    """One market's 24 hours up to a minute, summarized once as a ticker to stamp per request."""

    minute: int
    summary: Ticker


class PaperMarketFeed:
    """Implements `ExchangeGateway.fetch_ticker` without network or keys."""

    def __init__(self, clock: Clock, *, prices: dict[str, float], seed: int) -> None:
        self._clock = clock
        self._prices = dict(prices)
        self._seed = seed
        self._windows: dict[tuple[str, TradeType], _Window] = {}

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self._prices)

    def last_price(self, symbol: str, trade_type: TradeType) -> float:
        """The market's price now: the `last` of the ticker served at this moment."""
        now = self._clock.now().astimezone(UTC)
        return self._window(symbol, trade_type, int(now.timestamp() // 60)).summary.last

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        if exchange_id is not ExchangeId.BINANCE or symbol not in self._prices:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
        now = self._clock.now().astimezone(UTC)
        window = self._window(symbol, trade_type, int(now.timestamp() // 60))
        return replace(
            window.summary, timestamp=int(now.timestamp() * 1000), datetime=iso_millis(now)
        )

    def _window(self, symbol: str, trade_type: TradeType, minute: int) -> _Window:
        key = (symbol, trade_type)
        window = self._windows.get(key)
        if window is None or window.minute != minute:
            window = self._walk(symbol, trade_type, minute)
            self._windows[key] = window
        return window

    def _walk(self, symbol: str, trade_type: TradeType, minute: int) -> _Window:
        market_key = _key(f"{self._seed}:{symbol}:{trade_type.value}")
        base = self._prices[symbol]
        first = minute - WINDOW_MINUTES - BURN_IN_MINUTES
        level = 0.0
        opens: list[float] = []
        closes: list[float] = []
        volumes: list[float] = []
        for step in range(first, minute + 1):
            before = level
            level = REVERSION * level + SHOCK * _normal(market_key, step)
            if step > minute - WINDOW_MINUTES:
                close = base * math.exp(level)
                opens.append(base * math.exp(before))
                closes.append(close)
                activity = 0.5 + _uniform(market_key ^ 0x5BD1E995, step)
                volumes.append(QUOTE_VOLUME_PER_MINUTE * activity / close)
        decimals = 2 if base >= 10 else 4
        return _Window(minute, _summary(symbol, opens, closes, volumes, decimals=decimals))


def _summary(
    symbol: str, opens: list[float], closes: list[float], volumes: list[float], *, decimals: int
) -> Ticker:
    """ccxt's ticker fields over the window; the caller stamps the moment."""
    open_ = round(opens[0], decimals)
    last = round(closes[-1], decimals)
    high = round(max(max(opens), max(closes)), decimals)
    low = round(min(min(opens), min(closes)), decimals)
    base_volume = sum(volumes)
    quote_volume = sum(v * c for v, c in zip(volumes, closes, strict=True))
    change = round(last - open_, decimals)
    return Ticker(
        symbol=symbol,
        timestamp=0,
        datetime="",
        high=high,
        low=low,
        vwap=round(quote_volume / base_volume, 8),
        open=open_,
        close=last,
        last=last,
        change=change,
        percentage=round(change / open_ * 100, 3),
        average=round((open_ + last) / 2, 8),
        base_volume=round(base_volume, 5),
        quote_volume=round(quote_volume, 6),
    )


def _key(text: str) -> int:
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big")


def _mix(value: int) -> int:
    """splitmix64's finalizer: a fast, well-spread 64-bit hash."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _uniform(key: int, step: int) -> float:
    """In (0, 1), a pure function of key and step."""
    return ((_mix(key ^ (step & _MASK)) >> 11) + 0.5) / float(1 << 53)


def _normal(key: int, step: int) -> float:
    """A standard normal draw (Box-Muller), a pure function of key and step."""
    u1 = _uniform(key, step)
    u2 = _uniform(key ^ 0x2545F4914F6CDD1D, step)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
