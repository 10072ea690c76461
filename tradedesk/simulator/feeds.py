"""Price feeds that move the engine's markets."""

from __future__ import annotations

import asyncio
import random
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


class WalkFeed:
    """The default feed: every market takes a small seeded, mean-reverting random step each
    `interval` seconds. One step's shock is 0.003 %, so ten minutes move a price by about
    0.07 % (one standard deviation): resting orders a few percent away do not trigger during a
    short run, and tests that need triggers drive prices themselves."""

    SHOCK = Decimal("0.00003")
    REVERSION = Decimal("0.001")  # share of the gap to the anchor price closed per step

    def __init__(self, engine: PaperExchange, *, seed: int, interval: float = 1.0) -> None:
        self._engine = engine
        self._random = random.Random(seed)
        self._interval = interval
        self._anchors = {key: engine.price(*key) for key in engine.markets}
        self._held: set[str] = set()

    def hold(self, symbol: str) -> None:
        """Leave the symbol where it is: somebody set its price on purpose."""
        self._held.add(symbol)

    def step(self) -> None:
        for (kind, symbol), anchor in self._anchors.items():
            if symbol in self._held:
                continue
            market = self._engine.market(kind, symbol)
            price = self._engine.price(kind, symbol)
            shock = Decimal(str(self._random.gauss(0.0, 1.0))) * self.SHOCK
            moved = price * (1 + shock) + (anchor - price) * self.REVERSION
            ticks = (moved / market.tick_size).to_integral_value()
            self._engine.set_price(kind, symbol, max(ticks, Decimal(1)) * market.tick_size)

    async def run(self) -> None:
        """Step forever (until cancelled)."""
        while True:
            await asyncio.sleep(self._interval)
            self.step()
