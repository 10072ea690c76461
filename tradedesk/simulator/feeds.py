"""Price feeds that move the engine's markets."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import Fill


class ReplayFeed:
    """A fixed list of prices, one step at a time, so triggers happen exactly where a test
    says they should."""

    def __init__(
        self, engine: PaperExchange, kind: Kind, symbol: str, prices: Iterable[Decimal | str]
    ) -> None:
        self._engine = engine
        self._kind = kind
        self._symbol = symbol
        self._prices = [Decimal(price) for price in prices]
        self._next = 0

    def step(self) -> list[Fill]:
        """Apply the next price; the fills it caused."""
        price = self._prices[self._next]
        self._next += 1
        return self._engine.set_price(self._kind, self._symbol, price)

    def play(self) -> list[Fill]:
        """Apply every remaining price."""
        fills = []
        while self._next < len(self._prices):
            fills += self.step()
        return fills
