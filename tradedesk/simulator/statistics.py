"""Rolling 24-hour statistics per market, for Binance's 24hr ticker."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Window:
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    base_volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    trades: int


class RollingDay:
    """Price samples and traded volume of the last 24 hours of one market."""

    def __init__(self, price: Decimal, now: int) -> None:
        self._prices: deque[tuple[int, Decimal]] = deque([(now, price)])
        self._trades: deque[tuple[int, Decimal, Decimal]] = deque()

    def price(self, now: int, price: Decimal) -> None:
        self._prices.append((now, price))
        self._trim(now)

    def trade(self, now: int, qty: Decimal, price: Decimal) -> None:
        self._trades.append((now, qty, price))
        self._trim(now)

    def window(self, now: int) -> Window:
        self._trim(now)
        prices = [price for _, price in self._prices]
        return Window(
            open=prices[0],
            high=max(prices),
            low=min(prices),
            last=prices[-1],
            base_volume=sum((qty for _, qty, _ in self._trades), Decimal(0)),
            quote_volume=sum((qty * price for _, qty, price in self._trades), Decimal(0)),
            open_time=max(self._prices[0][0], now - DAY_MS),
            close_time=now,
            trades=len(self._trades),
        )

    def _trim(self, now: int) -> None:
        horizon = now - DAY_MS
        while len(self._prices) > 1 and self._prices[1][0] <= horizon:
            self._prices.popleft()  # keep the last price before the window as its open
        while self._trades and self._trades[0][0] <= horizon:
            self._trades.popleft()
