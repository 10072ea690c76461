"""Markets with Binance's filters: tick size, lot sizes, minimum notional, order counts,
and (futures) the leverage brackets that cap position size per leverage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    SPOT = "SPOT"
    FUTURES = "FUTURES"


@dataclass(frozen=True, slots=True)
class Bracket:
    """Up to `notional_cap` of position notional, leverage up to `max_leverage`, with this
    maintenance margin rate and amount (Binance's notional brackets)."""

    notional_cap: Decimal
    max_leverage: int
    maintenance_rate: Decimal
    maintenance_amount: Decimal


@dataclass(frozen=True, slots=True)
class Market:
    kind: Kind
    symbol: str  # unified, e.g. BTC/USDT
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    max_num_orders: int = 200
    # open conditional orders per symbol and account; None: no such filter (Binance dropped
    # it on USDⓈ-M in favour of an account-wide cap, `PaperExchange.max_open_conditionals`)
    max_num_algo_orders: int | None = 10
    brackets: tuple[Bracket, ...] = ()

    @property
    def id(self) -> str:
        """Binance's id: BTCUSDT."""
        return f"{self.base}{self.quote}"

    @property
    def max_leverage(self) -> int:
        return self.brackets[0].max_leverage if self.brackets else 1

    def bracket_for(self, notional: Decimal) -> Bracket:
        for bracket in self.brackets:
            if notional <= bracket.notional_cap:
                return bracket
        return self.brackets[-1]

    def notional_cap_at(self, leverage: int) -> Decimal:
        """The largest position notional this leverage allows."""
        allowed = [b.notional_cap for b in self.brackets if b.max_leverage >= leverage]
        return max(allowed) if allowed else Decimal(0)


def _d(text: str) -> Decimal:
    return Decimal(text)


def _brackets(*rows: tuple[str, int, str, str]) -> tuple[Bracket, ...]:
    return tuple(Bracket(_d(cap), lev, _d(rate), _d(amount)) for cap, lev, rate, amount in rows)


BTC_BRACKETS = _brackets(
    ("50000", 125, "0.004", "0"),
    ("250000", 100, "0.005", "50"),
    ("3000000", 50, "0.01", "1300"),
    ("15000000", 20, "0.025", "46300"),
    ("30000000", 10, "0.05", "421300"),
    ("80000000", 5, "0.1", "1921300"),
    ("100000000", 4, "0.125", "3921300"),
    ("200000000", 3, "0.15", "6421300"),
    ("300000000", 2, "0.25", "26421300"),
    ("500000000", 1, "0.5", "101421300"),
)
ALT_BRACKETS = _brackets(
    ("10000", 75, "0.005", "0"),
    ("100000", 50, "0.01", "50"),
    ("500000", 25, "0.02", "1050"),
    ("1000000", 20, "0.025", "3550"),
    ("2000000", 10, "0.05", "28550"),
    ("5000000", 5, "0.1", "128550"),
    ("10000000", 4, "0.125", "253550"),
    ("20000000", 3, "0.15", "503550"),
    ("30000000", 2, "0.25", "2503550"),
    ("50000000", 1, "0.5", "10003550"),
)


def default_markets() -> list[Market]:
    """BTC, ETH and BNB against USDT, with the filters Binance publishes for them."""
    return [
        Market(
            Kind.SPOT,
            "BTC/USDT",
            "BTC",
            "USDT",
            _d("0.01"),
            _d("0.00001"),
            _d("0.00001"),
            _d("9000"),
            _d("120"),
            _d("5"),
        ),
        Market(
            Kind.SPOT,
            "ETH/USDT",
            "ETH",
            "USDT",
            _d("0.01"),
            _d("0.0001"),
            _d("0.0001"),
            _d("9000"),
            _d("3000"),
            _d("5"),
        ),
        Market(
            Kind.SPOT,
            "BNB/USDT",
            "BNB",
            "USDT",
            _d("0.01"),
            _d("0.001"),
            _d("0.001"),
            _d("9000"),
            _d("9000"),
            _d("5"),
        ),
        Market(
            Kind.FUTURES,
            "BTC/USDT",
            "BTC",
            "USDT",
            _d("0.10"),
            _d("0.001"),
            _d("0.001"),
            _d("1000"),
            _d("120"),
            _d("100"),
            brackets=BTC_BRACKETS,
        ),
        Market(
            Kind.FUTURES,
            "ETH/USDT",
            "ETH",
            "USDT",
            _d("0.01"),
            _d("0.001"),
            _d("0.001"),
            _d("10000"),
            _d("2000"),
            _d("20"),
            brackets=ALT_BRACKETS,
        ),
        Market(
            Kind.FUTURES,
            "BNB/USDT",
            "BNB",
            "USDT",
            _d("0.010"),
            _d("0.01"),
            _d("0.01"),
            _d("100000"),
            _d("2000"),
            _d("5"),
            brackets=ALT_BRACKETS,
        ),
    ]


DEFAULT_PRICES = {"BTC": Decimal("19700"), "ETH": Decimal("1330"), "BNB": Decimal("275")}


def default_prices(markets: list[Market]) -> dict[tuple[Kind, str], Decimal]:
    """Where each market starts: the same price for spot and futures."""
    return {(market.kind, market.id): DEFAULT_PRICES[market.base] for market in markets}
