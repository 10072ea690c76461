"""Binance's rate limits: request weight per IP per minute, new orders per account.

Each endpoint weighs what Binance documents (`request_weight`): a futures account read 5, a
new futures order 0 on the IP (it counts against the account's order limits instead), a list
without a symbol far more than with one. Past the weight limit Binance answers 429 with
`Retry-After`; a client that keeps going is banned with 418 until the ban ends. New orders
past 10-second or 1-minute counts get 429 (-1015). Windows are fixed (per 10 s or per
minute), as Binance counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tradedesk.simulator.errors import ExchangeError

BINANCE_IP_WEIGHT = 2400  # a minute, on USDT-M futures (spot allows 6,000)


@dataclass(frozen=True, slots=True)
class RateLimits:
    weight_per_minute: int = BINANCE_IP_WEIGHT
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    ban_seconds: int = 120


# (method, path) -> Binance's documented request weight; anything else weighs 1
WEIGHTS: dict[tuple[str, str], int] = {
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/account"): 20,
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/openOrders"): 6,
    ("GET", "/api/v3/allOrders"): 20,
    ("GET", "/api/v3/myTrades"): 20,
    ("GET", "/api/v3/ticker/24hr"): 2,
    ("GET", "/fapi/v2/account"): 5,
    ("GET", "/fapi/v3/account"): 5,
    ("GET", "/fapi/v2/balance"): 5,
    ("GET", "/fapi/v3/balance"): 5,
    ("GET", "/fapi/v2/positionRisk"): 5,
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("POST", "/fapi/v1/order"): 0,
    ("POST", "/fapi/v1/algoOrder"): 0,
    ("GET", "/fapi/v1/allOrders"): 5,
    ("GET", "/fapi/v1/allAlgoOrders"): 5,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("GET", "/fapi/v1/positionSide/dual"): 30,
}
# the same lists for every symbol at once
WEIGHTS_WITHOUT_SYMBOL: dict[tuple[str, str], int] = {
    ("GET", "/api/v3/openOrders"): 80,
    ("GET", "/api/v3/ticker/24hr"): 80,
    ("GET", "/fapi/v1/openOrders"): 40,
    ("GET", "/fapi/v1/openAlgoOrders"): 40,
    ("GET", "/fapi/v1/ticker/24hr"): 40,
}


def request_weight(method: str, path: str, *, has_symbol: bool) -> int:
    if not has_symbol and (method, path) in WEIGHTS_WITHOUT_SYMBOL:
        return WEIGHTS_WITHOUT_SYMBOL[(method, path)]
    return WEIGHTS.get((method, path), 1)


class TooManyRequests(ExchangeError):
    """A 429 (or, once banned, a 418) with the seconds to wait."""

    def __init__(self, code: int, msg: str, *, status: int, retry_after: int) -> None:
        super().__init__(code, msg)
        self.status = status
        self.retry_after = retry_after


@dataclass(slots=True)
class _Window:
    start: int = 0
    count: int = 0


@dataclass(slots=True)
class _Client:
    weight: _Window = field(default_factory=_Window)
    warned_in: int = -1  # the window a 429 was already given in
    banned_until: int = 0
    spent: int = 0  # every weight counted since the start, for benchmarks


class RateLimiter:
    def __init__(self, limits: RateLimits, now_ms: Callable[[], int]) -> None:
        self.limits = limits
        self._now_ms = now_ms
        self._ips: dict[str, _Client] = {}
        self._orders: dict[tuple[str, int], _Window] = {}

    def request(self, ip: str, weight: int = 1) -> int:
        """Count a request's weight; returns the weight used this minute."""
        now = self._now_ms()
        client = self._ips.setdefault(ip, _Client())
        if now < client.banned_until:
            raise self._banned(ip, client, now)
        window = _current(client.weight, now, 60_000)
        window.count += weight
        client.spent += weight
        if window.count <= self.limits.weight_per_minute:
            return window.count
        if client.warned_in == window.start:  # ignored the 429: banned
            client.banned_until = now + self.limits.ban_seconds * 1000
            raise self._banned(ip, client, now)
        client.warned_in = window.start
        raise TooManyRequests(
            -1003,
            f"Too many requests; current limit of IP({ip}) request weight per minute is "
            f"{self.limits.weight_per_minute}. Please use WebSocket Streams for live updates "
            "to avoid polling the API.",
            status=429,
            retry_after=_seconds(window.start + 60_000 - now),
        )

    def spent(self) -> dict[str, int]:
        """The weight each IP has spent since the start."""
        return {ip: client.spent for ip, client in self._ips.items()}

    def new_order(self, api_key: str) -> None:
        """Count one new order of an account against both order windows."""
        now = self._now_ms()
        for span, limit, label in (
            (10_000, self.limits.orders_per_10s, "10 SECONDS"),
            (60_000, self.limits.orders_per_minute, "1 MINUTE"),
        ):
            window = _current(self._orders.setdefault((api_key, span), _Window()), now, span)
            if window.count >= limit:
                raise TooManyRequests(
                    -1015,
                    f"Too many new orders; current limit is {limit} orders per {label}.",
                    status=429,
                    retry_after=_seconds(window.start + span - now),
                )
        for span in (10_000, 60_000):
            self._orders[(api_key, span)].count += 1

    def _banned(self, ip: str, client: _Client, now: int) -> TooManyRequests:
        return TooManyRequests(
            -1003,
            f"Way too many requests; IP({ip}) banned until {client.banned_until}. Please use "
            "WebSocket Streams for live updates to avoid bans.",
            status=418,
            retry_after=_seconds(client.banned_until - now),
        )


def _current(window: _Window, now: int, span: int) -> _Window:
    start = now - now % span
    if window.start != start:
        window.start, window.count = start, 0
    return window


def _seconds(milliseconds: int) -> int:
    return max(1, -(-milliseconds // 1000))
